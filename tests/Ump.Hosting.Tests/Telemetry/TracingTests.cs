using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Tests;

/// <summary>Activity listeners are process-wide: these tests run alone, so no other test's activities or listeners mix in.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ActivityListenerCollection
{
    public const string Name = "Activity listeners";
}

/// <summary>The <c>ump.handle</c> activity across the in-process hop.</summary>
[Collection(ActivityListenerCollection.Name)]
public sealed class TracingTests
{
    [Fact]
    public async Task HandleActivity_SyncCaller_ChildOfCallersActivityAndCurrentInHandler()
    {
        using var recorder = new ActivityRecorder();
        var script = new Script();
        using var host = await StartAsync(script);
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("traced").CreateClient();

        var (traceId, spanId, reply) = await Task.Run(() =>
        {
            using var caller = ActivityRecorder.Caller.StartActivity("caller")!;
            var reply = client.Request(7);
            return (caller.TraceId, caller.SpanId, reply);
        }).Within();

        Assert.Equal(7, reply);
        var inHandler = await script.Entered(7);
        var handled = await recorder.Handled(traceId);
        Assert.Same(handled, inHandler);
        AssertHandle(handled, traceId, spanId, "reply");
        await host.StopAsync().Within();
    }

    [Theory]
    [InlineData(1)] // the handler runs inline in the dispatch loop
    [InlineData(4)] // the handler runs on the thread pool
    public async Task HandleActivity_AsyncCaller_ChildOfCallersActivityAndCurrentInHandler(int maxConcurrency)
    {
        using var recorder = new ActivityRecorder();
        var script = new Script
        {
            Body = async (request, reply, _) =>
            {
                await Task.Yield(); // the activity flows across awaits inside the handler
                Assert.Equal("ump.handle", Activity.Current?.OperationName);
                reply.Fail("no");
            },
        };
        using var host = await StartAsync(script, maxConcurrency);
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("traced").CreateClient();

        ActivityTraceId traceId;
        ActivitySpanId spanId;
        using (var caller = ActivityRecorder.Caller.StartActivity("caller")!)
        {
            traceId = caller.TraceId;
            spanId = caller.SpanId;
            await client.RequestAsync(8).FailsWith<UmpException<string>>();
            Assert.Same(caller, Activity.Current); // the caller's own activity is untouched
        }

        var inHandler = await script.Entered(8);
        var handled = await recorder.Handled(traceId);
        Assert.Same(handled, inHandler);
        AssertHandle(handled, traceId, spanId, "app_error");
        Assert.Equal(ActivityStatusCode.Unset, handled.Status);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleActivity_HandlerThrows_ExceptionRecordedAndStatusError()
    {
        using var recorder = new ActivityRecorder();
        var script = new Script { Body = (_, _, _) => throw new InvalidOperationException("handler failed") };
        using var host = await StartAsync(script);
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("traced").CreateClient();

        ActivityTraceId traceId;
        ActivitySpanId spanId;
        using (var caller = ActivityRecorder.Caller.StartActivity("caller")!)
        {
            traceId = caller.TraceId;
            spanId = caller.SpanId;
            await client.RequestAsync(9).FailsWith<UmpException>();
        }

        var handled = await recorder.Handled(traceId);
        AssertHandle(handled, traceId, spanId, "no_reply");
        Assert.Equal(ActivityStatusCode.Error, handled.Status);
        Assert.Equal("handler failed", handled.StatusDescription);
        var exception = Assert.Single(handled.Events, e => e.Name == "exception");
        Assert.Contains(new KeyValuePair<string, object?>("exception.type", typeof(InvalidOperationException).FullName), exception.Tags);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleActivity_CallerWithoutActivity_RootActivityNotTheHostsActivity()
    {
        using var recorder = new ActivityRecorder();
        var script = new Script();
        Activity? hostActivity;
        IHost host;
        using (hostActivity = ActivityRecorder.Caller.StartActivity("host start"))
        {
            // The loop starts inside this activity; its handlers must not inherit it.
            host = await StartAsync(script);
        }

        using (host)
        {
            using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("traced").CreateClient();
            Assert.Null(Activity.Current);
            Assert.Equal(3, await client.RequestAsync(3).Within());
            var inHandler = await script.Entered(3);
            Assert.NotNull(inHandler);
            Assert.Equal(default, inHandler.ParentSpanId);
            Assert.NotEqual(hostActivity!.TraceId, inHandler.TraceId);
            await host.StopAsync().Within();
        }
    }

    [Fact]
    public void OnRequestSent_NoListenerAndNoMeter_ReturnsNullWithoutAllocating()
    {
        Assert.False(UmpServerDiagnostics.ActivitySource.HasListeners());
        var monitor = new UmpServerDiagnostics("cheap", typeof(int), TimeProvider.System, new UmpMetrics(null), NullLogger.Instance, LogLevel.Debug, timeHandlers: true);
        Assert.Null(monitor.OnRequestSent());

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _ = monitor.OnRequestSent();
            monitor.OnRequestCompleted(null, UmpOutcome.Reply);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void AssertHandle(Activity handled, ActivityTraceId traceId, ActivitySpanId parentSpanId, string outcome)
    {
        Assert.Equal("ump.handle", handled.OperationName);
        Assert.Equal(UmpTelemetry.ActivitySourceName, handled.Source.Name);
        Assert.Equal(ActivityKind.Server, handled.Kind);
        Assert.Equal(traceId, handled.TraceId);
        Assert.Equal(parentSpanId, handled.ParentSpanId);
        Assert.Equal("traced", handled.GetTagItem("ump.server.name"));
        Assert.Equal("System.Int32", handled.GetTagItem("ump.request.type"));
        Assert.Equal(outcome, handled.GetTagItem("ump.request.outcome"));
    }

    private static async Task<IHost> StartAsync(Script script, int maxConcurrency = 1)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("traced", o => o.MaxConcurrency = maxConcurrency);
        var host = builder.Build();
        await host.StartAsync().Within();
        return host;
    }
}

/// <summary>Listens to the <c>Ump</c> source and the tests' caller source, sampling everything.</summary>
internal sealed class ActivityRecorder : IDisposable
{
    public const string CallerSourceName = "Ump.Hosting.Tests.Caller";

    public static readonly ActivitySource Caller = new(CallerSourceName);

    private readonly ConcurrentDictionary<ActivityTraceId, TaskCompletionSource<Activity>> _handled = new();
    private readonly ActivityListener _listener;

    public ActivityRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name is UmpTelemetry.ActivitySourceName or CallerSourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "ump.handle")
                {
                    Signal(activity.TraceId).TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Completes when the <c>ump.handle</c> activity of this trace has stopped.</summary>
    public Task<Activity> Handled(ActivityTraceId traceId) => Signal(traceId).Task.WaitAsync(Bounded.Timeout);

    public void Dispose() => _listener.Dispose();

    private TaskCompletionSource<Activity> Signal(ActivityTraceId traceId) => _handled.GetOrAdd(traceId, _ => Bounded.NewSignal<Activity>());
}
