using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ump.Orleans.Tests;

/// <summary>What the callers' side records of each remote request: the call activity's outcome and status, and the duration metric.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TelemetryTests(ClusterFixture fixture)
{
    private static readonly ActivitySource s_test = new("Ump.Orleans.Tests.Telemetry");

    [Theory]
    [InlineData(ClusterFixture.Server, "echo", "reply", ActivityStatusCode.Unset)]
    [InlineData(ClusterFixture.Server, "fail", "app_error", ActivityStatusCode.Error)]
    [InlineData(ClusterFixture.Server, "throw", "no_reply", ActivityStatusCode.Error)]
    [InlineData(ClusterFixture.Server, "give-up", "no_reply", ActivityStatusCode.Error)]
    [InlineData(ClusterFixture.Timed, "wait", "no_reply", ActivityStatusCode.Error)]
    [InlineData(ClusterFixture.Unserved, "echo", "server_disappeared", ActivityStatusCode.Error)]
    public async Task CallActivity_NamesTheServer_AndTellsTheOutcome(string server, string op, string outcome, ActivityStatusCode status)
    {
        using var recorder = new Recorder();
        using var client = fixture.CreateClient(server);

        var traceId = await recorder.TracedAsync(async () =>
        {
            try
            {
                await client.RequestAsync(new Ask(op, Probe.NewId())).Within();
            }
            catch (UmpException)
            {
                // The outcome under test.
            }
        });

        var call = await recorder.CallOf(traceId);
        Assert.Equal(server, call.GetTagItem("ump.server.name"));
        Assert.Equal(outcome, call.GetTagItem("ump.outcome"));
        Assert.Equal(status, call.Status);
    }

    [Fact]
    public async Task CallerGivesUp_TheCallActivitySaysGivenUp_WithoutAnError()
    {
        using var recorder = new Recorder();
        using var client = fixture.CreateClient();
        using var cts = new CancellationTokenSource();
        var id = Probe.NewId();

        var traceId = await recorder.TracedAsync(async () =>
        {
            var call = client.RequestAsync(new Ask("wait", id), cts.Token).AsTask();
            await Probe.Entered(id).Task.Within();
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        });

        var activity = await recorder.CallOf(traceId);
        Assert.Equal("given_up", activity.GetTagItem("ump.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);
    }

    [Fact]
    public async Task EachRemoteRequest_RecordsItsDuration_TaggedByServerAndOutcome()
    {
        var measurements = new ConcurrentQueue<(Instrument Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == UmpOrleansTelemetry.MeterName && instrument.Name == "ump.client.request.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            measurements.Enqueue((instrument, value, copy));
        });
        listener.Start();
        using var client = fixture.CreateClient(ClusterFixture.Filtered);

        await Assert.ThrowsAsync<UmpException<Refusal>>(() => client.RequestAsync(new Ask("fail", Probe.NewId())).Within());

        // The caller's loop records after the outcome reached the caller: wait for it, bounded.
        await Bounded.Until(() => measurements.Any(m => Equals(m.Tags.GetValueOrDefault("ump.server.name"), ClusterFixture.Filtered)), "the duration of the request to 'filtered' was recorded");
        var (instrument, value, tags) = measurements.First(m => Equals(m.Tags.GetValueOrDefault("ump.server.name"), ClusterFixture.Filtered));
        Assert.Equal("app_error", tags["ump.outcome"]);
        Assert.True(value >= 0, $"duration {value}");
        Assert.Equal("s", instrument.Unit);
        Assert.Contains("remote requests", instrument.Description, StringComparison.Ordinal);
    }

    /// <summary>Records the stopped activities of Ump.Orleans, and runs code under a root activity of its own trace.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public Recorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name is UmpOrleansTelemetry.ActivitySourceName or "Ump.Orleans.Tests.Telemetry",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public async Task<ActivityTraceId> TracedAsync(Func<Task> body)
        {
            using var root = s_test.StartActivity("caller");
            Assert.NotNull(root);
            await body();
            return root.TraceId;
        }

        /// <summary>The call activity of the trace, once it stopped (after the outcome reached the caller).</summary>
        public async Task<Activity> CallOf(ActivityTraceId traceId)
        {
            await Bounded.Until(() => _stopped.Any(a => a.TraceId == traceId && a.OperationName == "ump.orleans.call"), "the ump.orleans.call stopped");
            return Assert.Single(_stopped, a => a.TraceId == traceId && a.OperationName == "ump.orleans.call");
        }

        public void Dispose() => _listener.Dispose();
    }
}
