using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Tests;

/// <summary>
/// What each instrument of the <c>Ump</c> meter records when it alone is listened to, its tags, its advice, and which
/// dispatchers the gauges observe.
/// </summary>
public sealed class InstrumentTests
{
    private const string Meter = UmpTelemetry.MeterName;

    [Fact]
    public async Task RequestsAndDuration_FailedOutcomesCarryErrorType_ReplyDoesNot()
    {
        var script = new Script
        {
            Body = (request, reply, _) =>
            {
                switch (request)
                {
                    case 1:
                        reply.Reply(request);
                        break;
                    case 2:
                        reply.Fail("bad request");
                        break;
                    default:
                        throw new InvalidOperationException("handler failed");
                }

                return ValueTask.CompletedTask;
            },
        };
        using var host = Build(script, new FakeTimeProvider());
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, Meter, "ump.server.requests");
        using var durations = new MetricCollector<double>(meters, Meter, "ump.server.request.duration");
        await host.StartAsync().Within();
        using var client = Client(host);

        Assert.Equal(1, await client.RequestAsync(1).Within());
        await client.RequestAsync(2).FailsWith<UmpException<string>>();
        await client.RequestAsync(3).FailsWith<UmpException>();
        await host.StopAsync().Within();

        foreach (var tags in requests.GetMeasurementSnapshot().Select(m => m.Tags).Concat(durations.GetMeasurementSnapshot().Select(m => m.Tags)))
        {
            var outcome = (string)tags["ump.request.outcome"]!;
            if (outcome == "reply")
            {
                Assert.False(tags.ContainsKey("error.type"));
            }
            else
            {
                Assert.Equal(outcome, tags["error.type"]);
            }
        }

        Assert.Equal(["app_error", "no_reply", "reply"], requests.GetMeasurementSnapshot().Select(m => (string)m.Tags["ump.request.outcome"]!).Order());
        Assert.Equal(["app_error", "no_reply", "reply"], durations.GetMeasurementSnapshot().Select(m => (string)m.Tags["ump.request.outcome"]!).Order());
    }

    [Fact]
    public async Task QueueWaitTime_ItsOnlyListenerAndNoSlowHandlerWatch_MeasuredFromTheSend()
    {
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

                reply.Reply(request);
            },
        };
        using var host = Build(script, time);
        using var queueWait = new MetricCollector<double>(host.Services.GetRequiredService<IMeterFactory>(), Meter, "ump.server.queue.wait_time");
        await host.StartAsync().Within();
        using var client = Client(host);

        var first = client.RequestAsync(1).AsTask();
        await script.Entered(1);
        var second = client.RequestAsync(2).AsTask();
        time.Advance(TimeSpan.FromSeconds(3));
        gate.SetResult();
        Assert.Equal(1, await first.Within());
        Assert.Equal(2, await second.Within());
        await host.StopAsync().Within();

        Assert.Equal([0d, 3d], queueWait.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public async Task HandlerDuration_ItsOnlyListenerAndNoSlowHandlerWatch_MeasuredFromTheCall()
    {
        var time = new FakeTimeProvider();
        var script = new Script
        {
            Body = (request, reply, _) =>
            {
                time.Advance(TimeSpan.FromSeconds(request));
                reply.Reply(request);
                return ValueTask.CompletedTask;
            },
        };
        using var host = Build(script, time);
        using var handler = new MetricCollector<double>(host.Services.GetRequiredService<IMeterFactory>(), Meter, "ump.server.handler.duration");
        await host.StartAsync().Within();
        using var client = Client(host);

        Assert.Equal(2, await client.RequestAsync(2).Within());
        Assert.Equal(5, await client.RequestAsync(5).Within());
        await host.StopAsync().Within();

        Assert.Equal([2d, 5d], handler.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.All(handler.GetMeasurementSnapshot(), m => Assert.Equal("timed", m.Tags["ump.server.name"]));
    }

    [Fact]
    public async Task QueueWaitTime_ListenerAttachedAfterTheSend_RequestServedAndNotMeasured()
    {
        var gate = Bounded.NewSignal();
        var script = new Script
        {
            Body = async (request, reply, _) =>
            {
                if (request == 1)
                {
                    await gate.Task.WaitAsync(Bounded.Timeout);
                }

                reply.Reply(request);
            },
        };
        using var host = Build(script, new FakeTimeProvider());
        await host.StartAsync().Within();
        using var client = Client(host);
        var first = client.RequestAsync(1).AsTask();
        await script.Entered(1);
        var second = client.RequestAsync(2).AsTask(); // sent while nobody listened: no send time kept

        using var queueWait = new MetricCollector<double>(host.Services.GetRequiredService<IMeterFactory>(), Meter, "ump.server.queue.wait_time");
        gate.SetResult();

        Assert.Equal(1, await first.Within());
        Assert.Equal(2, await second.Within());
        Assert.Equal(3, await client.RequestAsync(3).Within()); // sent with a listener: measured
        await host.StopAsync().Within();
        Assert.Equal([0d], queueWait.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public async Task Histograms_AdviseSecondsBucketsFromMicrosecondsToHalfAMinute()
    {
        using var host = Build(new Script(), new FakeTimeProvider());
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        string[] names = ["ump.server.request.duration", "ump.server.queue.wait_time", "ump.server.handler.duration"];
        var collectors = names.Select(name => new MetricCollector<double>(meters, Meter, name)).ToArray();
        try
        {
            await host.StartAsync().Within();
            foreach (var collector in collectors)
            {
                var histogram = Assert.IsType<Histogram<double>>(collector.Instrument);
                var buckets = histogram.Advice?.HistogramBucketBoundaries;
                Assert.NotNull(buckets);
                Assert.Equal(17, buckets.Count);
                Assert.Equal(0.00001, buckets[0]);
                Assert.Equal(1, buckets[12]);
                Assert.Equal(30, buckets[^1]);
                Assert.Equal(buckets.Order(), buckets);
            }

            await host.StopAsync().Within();
        }
        finally
        {
            foreach (var collector in collectors)
            {
                collector.Dispose();
            }
        }
    }

    [Fact]
    public async Task Gauges_DispatcherDisposed_OnlyTheOthersOfItsServerObserved()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new Script());
        builder.Services.AddUmpDispatcher<int, int, string, ScriptedHandler>("grain");
        using var host = builder.Build();
        using var queueLength = new MetricCollector<int>(host.Services.GetRequiredService<IMeterFactory>(), Meter, "ump.server.queue.length");
        var factory = host.Services.GetRequiredKeyedService<IUmpDispatcherFactory<int, int, string>>("grain");
        var first = factory.CreateDispatcher();
        await using var second = factory.CreateDispatcher();
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        // Not started: the requests wait in each dispatcher's queue.
        var lost = firstClient.RequestAsync(1).AsTask();
        var waiting = new[] { secondClient.RequestAsync(2).AsTask(), secondClient.RequestAsync(3).AsTask() };
        queueLength.RecordObservableInstruments();
        Assert.Equal(3, queueLength.LastMeasurement!.Value); // one measurement per server name: the dispatchers add up

        await first.DisposeAsync();
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => lost.Within())).Kind);
        queueLength.RecordObservableInstruments();
        Assert.Equal(2, queueLength.LastMeasurement!.Value);
        Assert.Equal("grain", queueLength.LastMeasurement.Tags["ump.server.name"]);

        await second.StartAsync().Within();
        var answers = await Task.WhenAll(waiting).Within();
        Assert.Equal([2, 3], answers);
        await second.StopAsync().Within();
    }

    [Fact]
    public void HandlerStarting_NoInstrumentAndNoSlowHandlerWatch_DoesNotReadTheClock()
    {
        var clock = new CountingTimeProvider();
        var monitor = new UmpServerDiagnostics("cheap", typeof(int), clock, new UmpMetrics(null), NullLogger.Instance, LogLevel.Debug, timeHandlers: false);

        var call = monitor.HandlerStarting(null);
        Assert.Equal(1, monitor.ActiveHandlers);
        monitor.HandlerEnded(call, null);

        Assert.Equal(0, call.Started);
        Assert.Equal(0, clock.Reads);
        Assert.Equal(0, monitor.ActiveHandlers);
    }

    [Fact]
    public void HandlerStarting_SlowHandlerWatchOn_ReadsTheStartTime()
    {
        var clock = new CountingTimeProvider();
        var monitor = new UmpServerDiagnostics("watched", typeof(int), clock, new UmpMetrics(null), NullLogger.Instance, LogLevel.Debug, timeHandlers: true);

        var call = monitor.HandlerStarting(null);
        monitor.HandlerEnded(call, null);

        Assert.NotEqual(0, call.Started);
        Assert.Equal(1, clock.Reads);
    }

    private static IHost Build(Script script, TimeProvider time)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("timed", o => o.SlowHandlerThreshold = null);
        return builder.Build();
    }

    private static Client<int, int, string> Client(IHost host) =>
        host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("timed").CreateClient();

    /// <summary>The system clock, counting its timestamp reads.</summary>
    private sealed class CountingTimeProvider : TimeProvider
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public override long GetTimestamp()
        {
            Interlocked.Increment(ref _reads);
            return TimeProvider.System.GetTimestamp();
        }
    }
}
