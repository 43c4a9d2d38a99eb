using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Ump.Hosting.Tests;

/// <summary>What a server's health check says, through a real host's <see cref="HealthCheckService"/>.</summary>
public sealed class HealthCheckDescriptionTests
{
    [Fact]
    public async Task HealthCheck_Running_DescriptionNamesTheServer()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("orders").AddHealthCheck();
        using var host = builder.Build();
        await host.StartAsync().Within();

        var entry = await CheckAsync(host, "ump:orders");

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Ump server 'orders' is running.", entry.Description);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HealthCheck_ThresholdGivenOnABoundedQueue_DegradedPastTheThresholdAndSaysIt()
    {
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("orders", o => o.Capacity = 5).AddHealthCheck(degradedQueueLength: 1);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("orders").CreateClient();
        var running = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();
        var queued = new[] { client.RequestAsync(2).AsTask(), client.RequestAsync(3).AsTask() };

        var entry = await CheckAsync(host, "ump:orders");

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("Ump server 'orders' has 2 queued requests (threshold 1).", entry.Description);
        probe.Gate.SetResult();
        await Task.WhenAll([running, .. queued]).Within();
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HealthCheck_NoThresholdBoundedQueueFull_DescriptionGivesTheCapacity()
    {
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>().AddHealthCheck();
        builder.Services.ConfigureUmpServer<int, int, NoError>().Configure(o => o.Capacity = 2);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();
        var running = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();
        var queued = new[] { client.RequestAsync(2).AsTask(), client.RequestAsync(3).AsTask() };

        var entry = await CheckAsync(host, "ump:(unnamed)");

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("Ump server '(unnamed)' has 2 queued requests (threshold 2).", entry.Description);
        probe.Gate.SetResult();
        await Task.WhenAll([running, .. queued]).Within();
        await host.StopAsync().Within();
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host, string name)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name).Within();
        return Assert.Single(report.Entries).Value;
    }
}
