using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ump.Hosting.Internal;

namespace Ump.Hosting.Tests;

/// <summary>What tells servers apart at registration, and what <c>ConfigureUmpServer</c> finds.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task AddUmpServer_TwoUnnamedServersDifferingOnlyInReplyType_BothRunApart()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>();
        builder.Services.AddUmpServer<int, string, NoError, IntToTextHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();

        using var numbers = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();
        using var texts = host.Services.GetRequiredService<IUmpClientFactory<int, string, NoError>>().CreateClient();
        Assert.Equal(4, await numbers.RequestAsync(4).Within());
        Assert.Equal("#4", await texts.RequestAsync(4).Within());
        Assert.Equal(2, host.Services.GetServices<IHostedService>().Count());
        await host.StopAsync().Within();
    }

    [Fact]
    public void AddUmpServer_UnnamedServersDifferingOnlyInErrorType_AreTwoServers()
    {
        var services = new ServiceCollection();
        services.AddUmpServer<int, int, NoError, EchoHandler>();
        services.AddUmpServer<int, int, string, IntEchoWithErrorHandler>();

        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IHostedService)));
    }

    [Fact]
    public void ConfigureUmpServer_NamedServerWithAnotherReplyType_ThrowsNamingTheRegistration()
    {
        var services = new ServiceCollection();
        services.AddUmpServer<int, int, NoError, EchoHandler>("orders");

        var ex = Assert.Throws<InvalidOperationException>(() => services.ConfigureUmpServer<int, string, NoError>("orders"));

        Assert.Contains("Ump server 'orders' is registered by AddUmpServer<Int32, Int32, NoError, EchoHandler>", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not with the type arguments <Int32, String, NoError>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigureUmpServer_NamedServerWithAnotherErrorType_Throws()
    {
        var services = new ServiceCollection();
        services.AddUmpServer<int, int, NoError, EchoHandler>("orders");

        Assert.Throws<InvalidOperationException>(() => services.ConfigureUmpServer<int, int, string>("orders"));
    }

    [Fact]
    public async Task ConfigureUmpServer_HostedServer_HealthCheckReportsItsDispatcher()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("orders");
        builder.Services.ConfigureUmpServer<int, int, NoError>("orders").AddHealthCheck();
        using var host = builder.Build();

        // Not started yet: the hosted server's own dispatcher says so.
        var before = await CheckAsync(host, "ump:orders");
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal("NotStarted", before.Data["State"]);

        await host.StartAsync().Within();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host, "ump:orders")).Status);
        await host.StopAsync().Within();
        Assert.Equal("Stopped", (await CheckAsync(host, "ump:orders")).Data["State"]);
    }

    [Fact]
    public async Task ConfigureUmpServer_DispatcherOnlyServer_HealthCheckReportsItsFactory()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpDispatcher<int, int, NoError, EchoHandler>("grain");
        builder.Services.ConfigureUmpServer<int, int, NoError>("grain").AddHealthCheck();
        using var host = builder.Build();

        // No dispatcher made yet: served on demand.
        var entry = await CheckAsync(host, "ump:grain");
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Running", entry.Data["State"]);
        Assert.Null(entry.Exception);
    }

    [Fact]
    public void AddUmpServer_KeyedServiceOfTheMarkerType_IsNoRegistration()
    {
        // Only the unkeyed markers the registration methods leave count; a keyed service of the same type is someone else's.
        var services = new ServiceCollection();
        services.AddKeyedSingleton("elsewhere", new UmpServerRegistration("AddUmpServer", "orders", typeof(string), typeof(string), typeof(NoError), typeof(StringEchoHandler)));

        services.AddUmpServer<int, int, NoError, EchoHandler>("orders");
        var configured = services.ConfigureUmpServer<int, int, NoError>("orders");

        Assert.Equal("orders", configured.Name);
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public void AddUmpServer_MarkerInstanceUnderAnotherServiceType_IsNoRegistration()
    {
        var services = new ServiceCollection();
        services.AddSingleton<object>(new UmpServerRegistration("AddUmpServer", "orders", typeof(string), typeof(string), typeof(NoError), typeof(StringEchoHandler)));

        services.AddUmpServer<int, int, NoError, EchoHandler>("orders");
        var configured = services.ConfigureUmpServer<int, int, NoError>("orders");

        Assert.Equal("orders", configured.Name);
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public void AddUmpDispatcher_Options_ValidatedWhenRead()
    {
        var services = new ServiceCollection();
        services.AddUmpDispatcher<int, int, NoError, EchoHandler>("grain", o => o.MaxConcurrency = 0);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get("grain"));

        Assert.Contains("Ump server 'grain': MaxConcurrency", Assert.Single(ex.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddUmpDispatcher_InvalidOptions_HostStartThrowsThoughNoDispatcherIsMade()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpDispatcher<int, int, NoError, EchoHandler>("grain", o => o.Capacity = 0);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());

        Assert.Contains("Ump server 'grain': Capacity", Assert.Single(ex.Failures), StringComparison.Ordinal);
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host, string name)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name).Within();
        return Assert.Single(report.Entries).Value;
    }
}

/// <summary>Answers a number with its text.</summary>
public sealed class IntToTextHandler : IUmpHandler<int, string, NoError>
{
    public ValueTask HandleAsync(int request, ReplyContext<string, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply("#" + request.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ValueTask.CompletedTask;
    }
}

/// <summary>Replies with the request; its error type is a string.</summary>
public sealed class IntEchoWithErrorHandler : IUmpHandler<int, int, string>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, string> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}
