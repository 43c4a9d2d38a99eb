using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ump.Hosting;

namespace Ump.Orleans.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task SingletonHandlerWithSeveralPartitions_FailsAtStart_NamingTheServer()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>("ledger", o => o.HandlerLifetime = ServiceLifetime.Singleton)
            .ConfigureOrleans(o => o.Partitions = 4);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());

        Assert.Contains("Ump server 'ledger': a Singleton handler keeps its state in one activation, so it needs Partitions = 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingletonHandlerWithOnePartition_Starts()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>("ledger", o => o.HandlerLifetime = ServiceLifetime.Singleton)
            .ConfigureOrleans(o => o.Partitions = 1);
        using var host = builder.Build();

        await host.StartAsync().Within();
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task ScopedHandlerWithSeveralPartitions_Starts()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>("ledger", o => o.HandlerLifetime = ServiceLifetime.Scoped)
            .ConfigureOrleans(o => o.Partitions = 4);
        using var host = builder.Build();

        await host.StartAsync().Within();
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task ServerWithZeroPartitions_FailsAtStart()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>("ledger").ConfigureOrleans(o => o.Partitions = 0);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());

        Assert.Contains("Ump server 'ledger': Partitions must be at least 1.", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("orders#1")]
    public void NameWithTheKeySeparator_IsRefused(string name)
    {
        var services = new ServiceCollection();

        var client = Assert.Throws<ArgumentException>("name", () => services.AddUmpOrleansClient<Ask, Answer, Refusal>(name));
        var server = Assert.Throws<ArgumentException>("name", () => services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(name));

        Assert.All(new[] { client, server }, ex => Assert.Contains("cannot contain '#' (was 'orders#1')", ex.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void NullOrEmptyArguments_AreRefused()
    {
        var services = new ServiceCollection();
        var builder = services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders");

        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUmpOrleansClient<Ask, Answer, Refusal>("orders"));
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>("orders"));
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUmpOrleansClient<Ask, Answer, Refusal>(""));
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(""));
        Assert.Throws<ArgumentNullException>("name", () => services.AddUmpOrleansClient<Ask, Answer, Refusal>(null!));
        Assert.Throws<ArgumentNullException>("name", () => services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(null!));
        Assert.Throws<ArgumentException>("name", () => services.AddUmpOrleansClient<Ask, Answer, Refusal>(""));
        Assert.Throws<ArgumentException>("name", () => services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(""));
        Assert.Throws<ArgumentNullException>("builder", () => ((Ump.Hosting.IUmpServerBuilder)null!).ConfigureOrleans(_ => { }));
        Assert.Throws<ArgumentNullException>("configure", () => builder.ConfigureOrleans(null!));
    }

    [Fact]
    public void TheCallersBuilder_NamesTheServer_AndItsServices()
    {
        var services = new ServiceCollection();

        var builder = services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders");

        Assert.Equal("orders", builder.Name);
        Assert.Same(services, builder.Services);
    }

    [Fact]
    public async Task CallerRegisteredTwice_HasOneHostedService_AndTakesTheSecondConfiguration()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders");
        builder.Services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders", o => o.Capacity = 0);
        using var host = builder.Build();

        Assert.Single(builder.Services, d => d.ServiceType == typeof(IHostedService));
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());
        Assert.Contains("Ump server 'orders': Capacity must be at least 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallersOfTwoServers_OrOfTwoTypeSignaturesUnderOneName_AreBothRegistered()
    {
        var services = new ServiceCollection();
        services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders");
        services.AddUmpOrleansClient<Ask, Answer, Refusal>("invoices");
        services.AddUmpOrleansClient<Refusal, Answer, Ask>("orders");
        await using var provider = services.AddLogging().BuildServiceProvider();

        using var orders = provider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>("orders").CreateClient();
        using var invoices = provider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>("invoices").CreateClient();
        using var other = provider.GetRequiredKeyedService<IUmpClientFactory<Refusal, Answer, Ask>>("orders").CreateClient();
        Assert.Equal(3, provider.GetServices<IHostedService>().Count());
    }

    [Fact]
    public async Task TheCallersClient_IsInjectableKeyedByTheServersName()
    {
        var services = new ServiceCollection();
        services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders");
        await using var provider = services.AddLogging().BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();

        var client = scope.ServiceProvider.GetRequiredKeyedService<Ump.Client<Ask, Answer, Refusal>>("orders");

        Assert.NotNull(client);
    }

    [Fact]
    public void AddFilter_OnACaller_IsRefused_FiltersRunWhereTheHandlerRuns()
    {
        var builder = new ServiceCollection().AddUmpOrleansClient<Ask, Answer, Refusal>("orders");

        var ex = Assert.Throws<ArgumentException>(() => builder.AddFilter<RefusingFilter>());

        Assert.StartsWith("Ump server 'orders' runs no handlers here, so it takes no filters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerWithZeroPartitions_FailsAtStart()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders").ConfigureOrleans(o => o.Partitions = 0);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());

        Assert.Contains("Ump server 'orders': Partitions must be at least 1.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallersServicesDisposed_ItsFactoryCreatesNoMoreClients()
    {
        var services = new ServiceCollection();
        services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders");
        var provider = services.AddLogging().BuildServiceProvider();
        var factory = provider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>("orders");
        factory.CreateClient().Dispose();

        await provider.DisposeAsync().AsTask().Within();

        Assert.Throws<ObjectDisposedException>(() => factory.CreateClient());
    }
}
