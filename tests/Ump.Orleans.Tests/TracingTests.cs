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
        Assert.Equal(ClusterFixture.Server, receive.GetTagItem("ump.server.name"));
        Assert.True(receive.HasRemoteParent);
    }

    [Fact]
    public async Task CallerWithoutATrace_AndTheCallNotRecorded_StartsNoReceive()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped, recordCalls: false);
        using var client = fixture.CreateClient(ClusterFixture.Filtered);
        Assert.Null(Activity.Current);

        await client.RequestAsync(new Ask("echo", Probe.NewId())).Within();

        // The receive would stop on the silo before the reply left it.
        Assert.DoesNotContain(stopped, a => a.OperationName == "ump.orleans.receive" && Equals(a.GetTagItem("ump.server.name"), ClusterFixture.Filtered));
    }

    [Fact]
    public async Task CallersTraceState_CrossesToTheReceive()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped, recordCalls: true);
        using var client = fixture.CreateClient();

        var (traceId, _) = await TracedRequestAsync(client, "vendor=on");

        var receive = await ReceiveOf(stopped, traceId);
        Assert.Equal("vendor=on", receive.TraceStateString);
    }

    [Fact]
    public async Task TraceStateOfTheCallActivity_IsTheOneThatCrosses()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is UmpOrleansTelemetry.ActivitySourceName or "Ump.Orleans.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,

            // A listener gives the call a trace state of its own, other than the caller's.
            ActivityStarted = a =>
            {
                if (a.OperationName == "ump.orleans.call")
                {
                    a.TraceStateString = "listener=call";
                }
            },
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var client = fixture.CreateClient();

        var (traceId, _) = await TracedRequestAsync(client, "vendor=root");

        var receive = await ReceiveOf(stopped, traceId);
        Assert.Equal("listener=call", receive.TraceStateString);
    }

    [Fact]
    public async Task CallActivityNotRecorded_TheReceiveIsTheCallersChild_WithItsTraceState()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped, recordCalls: false);
        using var client = fixture.CreateClient();

        var (traceId, rootSpan) = await TracedRequestAsync(client, "vendor=off");

        var receive = await ReceiveOf(stopped, traceId);
        Assert.Equal(rootSpan, receive.ParentSpanId);
        Assert.Equal("vendor=off", receive.TraceStateString);
        Assert.DoesNotContain(stopped, a => a.TraceId == traceId && a.OperationName == "ump.orleans.call");
    }

    private static ActivityListener Listen(ConcurrentQueue<Activity> stopped, bool recordCalls)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is UmpOrleansTelemetry.ActivitySourceName or "Ump.Orleans.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> o) =>
                recordCalls || o.Name != "ump.orleans.call" ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static async Task<(ActivityTraceId TraceId, ActivitySpanId RootSpan)> TracedRequestAsync(Client<Ask, Answer, Refusal> client, string traceState)
    {
        using var root = s_test.StartActivity("caller");
        Assert.NotNull(root);
        root.TraceStateString = traceState;
        await client.RequestAsync(new Ask("echo", Probe.NewId())).Within();
        return (root.TraceId, root.SpanId);
    }

    private static async Task<Activity> ReceiveOf(ConcurrentQueue<Activity> stopped, ActivityTraceId traceId)
    {
        // The receive stops on the silo once the reply is on its way: wait for it, bounded.
        await Bounded.Until(() => stopped.Any(a => a.TraceId == traceId && a.OperationName == "ump.orleans.receive"), "the ump.orleans.receive stopped");
        return Assert.Single(stopped, a => a.TraceId == traceId && a.OperationName == "ump.orleans.receive");
    }
}
