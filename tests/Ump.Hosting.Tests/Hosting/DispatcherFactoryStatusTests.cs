using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

/// <summary>
/// The health of a server registered with <c>AddUmpDispatcher</c> adds up the dispatchers its factory made: the worst state
/// first (Faulted, then Running, NotStarted, Stopping, Stopped), and the sums of their queues and running handlers.
/// </summary>
public sealed class DispatcherFactoryStatusTests
{
    [Fact]
    public async Task HealthCheck_NoDispatcherMadeYet_HealthyAsServedOnDemand()
    {
        using var host = Build(new Probe(), out _);

        var entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Running", entry.Data["State"]);
        Assert.Equal(0, entry.Data["QueueLength"]);
        Assert.Equal(0, entry.Data["ActiveHandlers"]);
        Assert.Equal("grain", entry.Data["ServerName"]);
    }

    [Fact]
    public async Task HealthCheck_DispatchersThroughTheirLives_ReportsTheStateThatMattersMost()
    {
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        using var host = Build(probe, out var factory);

        var first = factory.CreateDispatcher();
        Assert.Equal(("NotStarted", HealthStatus.Unhealthy), await StateAsync(host));

        var second = factory.CreateDispatcher();
        await second.StartAsync().Within();
        Assert.Equal(("Running", HealthStatus.Healthy), await StateAsync(host)); // running beats not started

        using var client = second.CreateClient();
        var running = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();
        var draining = second.StopAsync();
        Assert.Equal(("NotStarted", HealthStatus.Unhealthy), await StateAsync(host)); // not started beats stopping

        await first.StopAsync().Within();
        Assert.Equal(("Stopping", HealthStatus.Unhealthy), await StateAsync(host)); // stopping beats stopped

        probe.Gate.SetResult();
        Assert.Equal(1, await running.Within());
        await draining.Within();
        Assert.Equal(("Stopped", HealthStatus.Unhealthy), await StateAsync(host));

        await first.DisposeAsync();
        await second.DisposeAsync();
        Assert.Equal(("Running", HealthStatus.Healthy), await StateAsync(host)); // disposed dispatchers are forgotten
    }

    [Fact]
    public async Task HealthCheck_OneDispatcherFaultedAnotherRunning_Faulted()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new ConstructionCount());
        builder.Services.AddUmpDispatcher<int, int, NoError, FailsFirstConstructionHandler>("flaky", o => o.HandlerLifetime = ServiceLifetime.Singleton)
            .AddHealthCheck();
        using var host = builder.Build();
        var factory = host.Services.GetRequiredKeyedService<IUmpDispatcherFactory<int, int, NoError>>("flaky");

        await using var faulted = factory.CreateDispatcher();
        await Assert.ThrowsAsync<InvalidOperationException>(() => faulted.StartAsync().Within());
        await using var running = factory.CreateDispatcher();
        await running.StartAsync().Within();
        using var client = running.CreateClient();
        Assert.Equal(3, await client.RequestAsync(3).Within());

        var entry = await CheckAsync(host, "ump:flaky");
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("Faulted", entry.Data["State"]);
        Assert.Contains("'flaky' is not running (Faulted)", entry.Description, StringComparison.Ordinal);
        await running.StopAsync().Within();
    }

    [Fact]
    public async Task HealthCheck_SeveralDispatchers_QueueLengthAndActiveHandlersAreTheirSums()
    {
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 2 };
        using var host = Build(probe, out var factory);
        await using var first = factory.CreateDispatcher();
        await using var second = factory.CreateDispatcher();
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        // Sent before the start: they wait in each dispatcher's queue.
        var requests = new[] { firstClient.RequestAsync(1).AsTask(), firstClient.RequestAsync(2).AsTask(), secondClient.RequestAsync(3).AsTask() };
        var queued = await CheckAsync(host);
        Assert.Equal(3, queued.Data["QueueLength"]);
        Assert.Equal(0, queued.Data["ActiveHandlers"]);

        await first.StartAsync().Within();
        await second.StartAsync().Within();
        await probe.EnteredEnough.Task.Within();
        var busy = await CheckAsync(host);
        Assert.Equal(1, busy.Data["QueueLength"]);
        Assert.Equal(2, busy.Data["ActiveHandlers"]);

        probe.Gate.SetResult();
        var answers = await Task.WhenAll(requests).Within();
        Assert.Equal([1, 2, 3], answers);
        await Task.WhenAll(first.StopAsync(), second.StopAsync()).Within();
    }

    private static IHost Build(Probe probe, out IUmpDispatcherFactory<int, int, NoError> factory)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider()); // no drain deadline passes on its own
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpDispatcher<int, int, NoError, GatedHandler>("grain").AddHealthCheck();
        var host = builder.Build();
        factory = host.Services.GetRequiredKeyedService<IUmpDispatcherFactory<int, int, NoError>>("grain");
        return host;
    }

    private static async Task<(string State, HealthStatus Status)> StateAsync(IHost host)
    {
        var entry = await CheckAsync(host);
        return ((string)entry.Data["State"], entry.Status);
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host, string name = "ump:grain")
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name).Within();
        return Assert.Single(report.Entries).Value;
    }
}

/// <summary>How many handlers of a test were constructed.</summary>
public sealed class ConstructionCount
{
    private int _count;

    public int Next() => Interlocked.Increment(ref _count);
}

/// <summary>A singleton handler whose first construction fails: the first dispatcher's start faults, the next one's succeeds.</summary>
public sealed class FailsFirstConstructionHandler : IUmpHandler<int, int, NoError>
{
    public FailsFirstConstructionHandler(ConstructionCount count)
    {
        if (count.Next() == 1)
        {
            throw new InvalidOperationException("first construction fails");
        }
    }

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}
