using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ump.Orleans.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TracingTests(ClusterFixture fixture)
{
    private static readonly ActivitySource s_test = new("Ump.Orleans.Tests");

    [Fact]
    public async Task RemoteHandle_IsADescendantOfTheCallersActivity_ThroughTheCallAndTheReceive()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Ump" or UmpOrleansTelemetry.ActivitySourceName or "Ump.Orleans.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var client = fixture.CreateClient();

        ActivityTraceId traceId;
        ActivitySpanId rootSpan;
        using (var root = s_test.StartActivity("caller"))
        {
            Assert.NotNull(root);
            (traceId, rootSpan) = (root.TraceId, root.SpanId);
            await client.RequestAsync(new Ask("echo", Probe.NewId())).Within();
        }

        // The handler's activity and the caller-side call activity both stop after the reply reached the caller: wait for
        // both, bounded.
        await Bounded.Until(
            () => stopped.Any(a => a.TraceId == traceId && a.OperationName == "ump.handle")
                && stopped.Any(a => a.TraceId == traceId && a.OperationName == "ump.orleans.call"),
            "the remote ump.handle and the ump.orleans.call stopped");
        var trace = stopped.Where(a => a.TraceId == traceId).ToArray();
        var call = Assert.Single(trace, a => a.OperationName == "ump.orleans.call");
        var receive = Assert.Single(trace, a => a.OperationName == "ump.orleans.receive");
        var handle = Assert.Single(trace, a => a.OperationName == "ump.handle");
        Assert.Equal(rootSpan, call.ParentSpanId);
        Assert.Equal(ActivityKind.Client, call.Kind);
        Assert.Equal(call.SpanId, receive.ParentSpanId);
        Assert.Equal(ActivityKind.Server, receive.Kind);
        Assert.Equal(receive.SpanId, handle.ParentSpanId);
        Assert.Equal("reply", call.GetTagItem("ump.outcome"));
    }
}
