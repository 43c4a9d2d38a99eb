using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

/// <summary><c>AddHealthCheck</c> on a server builder, through a real host's <see cref="HealthCheckService"/>.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task HealthCheck_LoopLifecycle_UnhealthyUntilStartedHealthyWhileRunningUnhealthyAfterStop()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("orders").AddHealthCheck();
        using var host = builder.Build();

        var before = await CheckAsync(host, "ump:orders");
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal("NotStarted", before.Data["State"]);

        await host.StartAsync().Within();
        var running = await CheckAsync(host, "ump:orders");
        Assert.Equal(HealthStatus.Healthy, running.Status);
        Assert.Equal("orders", running.Data["ServerName"]);
        Assert.Equal("Running", running.Data["State"]);
        Assert.Equal(0, running.Data["QueueLength"]);
        Assert.Equal(0, running.Data["ActiveHandlers"]);

        await host.StopAsync().Within();
        var stopped = await CheckAsync(host, "ump:orders");
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Equal("Stopped", stopped.Data["State"]);
        Assert.Contains("not running", stopped.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_QueueDeeperThanThreshold_DegradedThenHealthyOnceDrained()
    {
        var builder = TestHost.CreateBuilder();
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("deep").AddHealthCheck(degradedQueueLength: 2);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("deep").CreateClient();

        var first = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();
        var queued = new[] { client.RequestAsync(2).AsTask(), client.RequestAsync(3).AsTask() };
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host, "ump:deep")).Status); // 2 queued: not over 2

        var third = client.RequestAsync(4).AsTask();
        var deep = await CheckAsync(host, "ump:deep");
        Assert.Equal(HealthStatus.Degraded, deep.Status);
        Assert.Equal(3, deep.Data["QueueLength"]);
        Assert.Equal(1, deep.Data["ActiveHandlers"]);

        probe.Gate.SetResult();
        await Task.WhenAll([first, .. queued, third]).Within();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host, "ump:deep")).Status);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HealthCheck_NoThresholdBoundedQueueFull_Degraded()
    {
        var builder = TestHost.CreateBuilder();
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("bounded", o => o.Capacity = 2).AddHealthCheck();
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("bounded").CreateClient();

        var first = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();
        var second = client.RequestAsync(2).AsTask();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host, "ump:bounded")).Status);
        var third = client.RequestAsync(3).AsTask();
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(host, "ump:bounded")).Status);

        probe.Gate.SetResult();
        await Task.WhenAll(first, second, third).Within();
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HealthCheck_StartFailed_FailureStatusWithNameAndTags()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        builder.Services.AddUmpServer<int, int, NoError, ThrowingConstructorHandler>("bad", o => o.HandlerLifetime = ServiceLifetime.Singleton)
            .AddHealthCheck(name: "orders-queue", failureStatus: HealthStatus.Degraded, tags: ["ready"]);
        using var host = builder.Build();
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready")).Within();
        var entry = Assert.Single(report.Entries);
        Assert.Equal("orders-queue", entry.Key);
        Assert.Equal(HealthStatus.Degraded, entry.Value.Status);
        Assert.Equal("Faulted", entry.Value.Data["State"]);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HealthCheck_TwoUnnamedServers_EachReportsItsOwn()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>().AddHealthCheck(name: "ints");
        builder.Services.AddUmpServer<string, string, NoError, StringEchoHandler>().AddHealthCheck(name: "strings");
        using var host = builder.Build();
        await host.StartAsync().Within();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().Within();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(["ints", "strings"], report.Entries.Keys.Order());
        Assert.All(report.Entries.Values, e => Assert.Equal("(unnamed)", e.Data["ServerName"]));
        await host.StopAsync().Within();
    }

    [Fact]
    public void AddHealthCheck_InvalidArguments_Throw()
    {
        var services = new ServiceCollection();
        var builder = services.AddUmpServer<int, int, NoError, EchoHandler>("x");
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddHealthCheck(degradedQueueLength: -1));
        Assert.Throws<ArgumentException>(() => new ForeignBuilder(services).AddHealthCheck());
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host, string name)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name).Within();
        return Assert.Single(report.Entries).Value;
    }

    private sealed class ForeignBuilder(IServiceCollection services) : IUmpServerBuilder
    {
        public string Name => "foreign";

        public IServiceCollection Services => services;
    }
}
