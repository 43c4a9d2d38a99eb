using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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

    [Theory]
    [InlineData("orders#1")]
    public void NameWithTheKeySeparator_IsRefused(string name)
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentException>(() => services.AddUmpOrleansClient<Ask, Answer, Refusal>(name));
        Assert.Throws<ArgumentException>(() => services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(name));
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
}
