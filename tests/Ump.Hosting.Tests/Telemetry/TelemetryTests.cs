using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

/// <summary>The <c>Ump</c> meter of hosted servers, through real hosts and their <see cref="IMeterFactory"/>.</summary>
public sealed class TelemetryTests
{
    private const string Meter = UmpTelemetry.MeterName;

    [Fact]
    public async Task Requests_EveryOutcome_CountedOnceWithServerAndOutcomeTags()
    {
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        var drains = DrainProbe.AddTo(builder.Services);
        var script = new Script
        {
            Body = async (request, reply, ct) =>
            {
                switch (request)
                {
                    case 1:
                        reply.Reply(request);
                        break;
                    case 2:
                        reply.Fail("bad request");
                        break;
                    case 3:
                        throw new InvalidOperationException("handler failed");
                    default:
                        // Until the caller gives up, the request times out, or the drain deadline passes.
                        await Bounded.NewSignal().Task.WaitAsync(Bounded.Timeout, ct);
                        break;
                }
            },
        };
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("metrics", o =>
        {
            o.MaxConcurrency = 4;
            o.RequestTimeout = TimeSpan.FromSeconds(10);
            o.ShutdownTimeout = TimeSpan.FromSeconds(1);
        });
        using var host = builder.Build();
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, Meter, "ump.server.requests");
        using var durations = new MetricCollector<double>(meters, Meter, "ump.server.request.duration");
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("metrics").CreateClient();

        Assert.Equal(1, await client.RequestAsync(1).Within());
        Assert.Equal("bad request", (await client.RequestAsync(2).FailsWith<UmpException<string>>()).Error);
        Assert.Equal(UmpErrorKind.NoReply, (await client.RequestAsync(3).FailsWith<UmpException>()).Kind);

        using var cts = new CancellationTokenSource();
        var canceled = client.RequestAsync(4, cts.Token).AsTask();
        await script.Entered(4);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Within());

        var timedOut = client.RequestAsync(5).AsTask();
        await script.Entered(5);
        time.Advance(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<TimeoutException>(() => timedOut.Within());

        var disappeared = client.RequestAsync(6).AsTask();
        await script.Entered(6);
        var stop = host.StopAsync();
        await drains.DrainsBegan.Within();
        time.Advance(TimeSpan.FromSeconds(1));
        await stop.Within();
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => disappeared.Within())).Kind);

        await requests.WaitForMeasurementsAsync(6, Bounded.Timeout);
        await durations.WaitForMeasurementsAsync(6, Bounded.Timeout);
        var counted = requests.GetMeasurementSnapshot();
        Assert.All(counted, m => Assert.Equal(1, m.Value));
        Assert.All(counted, m => Assert.Equal("metrics", m.Tags["ump.server.name"]));
        Assert.Equal(
            ["app_error", "canceled", "no_reply", "reply", "server_disappeared", "timeout"],
            counted.Select(m => (string)m.Tags["ump.request.outcome"]!).Order());

        var timed = durations.GetMeasurementSnapshot();
        Assert.Equal(6, timed.Count);
        Assert.All(timed, m => Assert.Equal("metrics", m.Tags["ump.server.name"]));
        // Measured with the host's TimeProvider from the send: the timed-out request waited exactly RequestTimeout.
        Assert.Equal(10, Assert.Single(timed, m => (string?)m.Tags["ump.request.outcome"] == "timeout").Value);
        Assert.Equal(1, Assert.Single(timed, m => (string?)m.Tags["ump.request.outcome"] == "server_disappeared").Value);
    }

    [Fact]
    public async Task Histograms_RequestQueuedBehindAnother_QueueWaitAndHandlerTimeMeasuredApart()
    {
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        var gate = Bounded.NewSignal();
        var script = new Script
        {
            Body = async (request, reply, _) =>
            {
                if (request == 1)
                {
                    await gate.Task.WaitAsync(Bounded.Timeout);
                }
                else
                {
                    time.Advance(TimeSpan.FromSeconds(2)); // this handler "takes" 2 s
                }

                reply.Reply(request);
            },
        };
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("timed");
        using var host = builder.Build();
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var total = new MetricCollector<double>(meters, Meter, "ump.server.request.duration");
        using var queueWait = new MetricCollector<double>(meters, Meter, "ump.server.queue.wait_time");
        using var handler = new MetricCollector<double>(meters, Meter, "ump.server.handler.duration");
        using var slow = new MetricCollector<long>(meters, Meter, "ump.server.slow_handlers");
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("timed").CreateClient();

        var first = client.RequestAsync(1).AsTask();
        await script.Entered(1);
        var second = client.RequestAsync(2).AsTask();
        time.Advance(TimeSpan.FromSeconds(3)); // the second waits 3 s in the queue while the first runs
        gate.SetResult();
        Assert.Equal(1, await first.Within());
        Assert.Equal(2, await second.Within());
        await host.StopAsync().Within(); // the drain ends after both handlers returned

        Assert.Equal([0d, 3d], queueWait.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal([3d, 2d], handler.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal([3d, 5d], total.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.All(queueWait.GetMeasurementSnapshot(), m => Assert.Equal("timed", m.Tags["ump.server.name"]));
        Assert.All(handler.GetMeasurementSnapshot(), m => Assert.Equal("timed", m.Tags["ump.server.name"]));
        Assert.All(total.GetMeasurementSnapshot(), m => Assert.Equal("reply", m.Tags["ump.request.outcome"]));

        // Both ran past the default 200 ms threshold.
        Assert.Equal([1L, 1L], slow.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal("s", queueWait.Instrument!.Unit);
        Assert.False(string.IsNullOrEmpty(queueWait.Instrument.Description));
    }

    [Fact]
    public async Task Gauges_HandlersRunningAndRequestsQueued_ObservedPerServer()
    {
        var builder = TestHost.CreateBuilder();
        var gate = Bounded.NewSignal();
        var script = new Script
        {
            Body = async (request, reply, _) =>
            {
                await gate.Task.WaitAsync(Bounded.Timeout);
                reply.Reply(request);
            },
        };
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("busy", o => o.MaxConcurrency = 2);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("idle");
        using var host = builder.Build();
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var queueLength = new MetricCollector<int>(meters, Meter, "ump.server.queue.length");
        using var active = new MetricCollector<int>(meters, Meter, "ump.server.active_handlers");
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("busy").CreateClient();

        var requests = Enumerable.Range(1, 5).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await script.Entered(1);
        await script.Entered(2);

        queueLength.RecordObservableInstruments();
        active.RecordObservableInstruments();
        Assert.Equal(3, Observed(queueLength, "busy"));
        Assert.Equal(2, Observed(active, "busy"));
        Assert.Equal(0, Observed(queueLength, "idle"));
        Assert.Equal(0, Observed(active, "idle"));

        gate.SetResult();
        await Task.WhenAll(requests).Within();
        await host.StopAsync().Within();
        queueLength.RecordObservableInstruments();
        active.RecordObservableInstruments();
        Assert.Equal(0, Observed(queueLength, "busy"));
        Assert.Equal(0, Observed(active, "busy"));
    }

    [Fact]
    public async Task Metrics_NoMeterFactoryRegistered_ServerRunsWithoutInstruments()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddUmpServer<int, int, NoError, EchoHandler>();
        await using var provider = services.BuildServiceProvider();
        Assert.Null(provider.GetService<IMeterFactory>());
        var hosted = provider.GetServices<IHostedService>().ToArray();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None).Within();
        }

        using var client = provider.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();
        Assert.Equal(5, await client.RequestAsync(5).Within());

        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None).Within();
        }
    }

    private static int Observed(MetricCollector<int> collector, string server) =>
        collector.GetMeasurementSnapshot().Last(m => (string?)m.Tags["ump.server.name"] == server).Value;
}
