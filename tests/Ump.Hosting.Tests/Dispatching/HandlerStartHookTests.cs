using System.Collections.Concurrent;
using System.Diagnostics;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>
/// An activity listener runs when a handler call's <c>ump.handle</c> activity starts, just before the handler: these tests
/// use it to abort the drain, or fail the loop, at that exact point, and read what the activity says afterwards.
/// </summary>
[Collection(ActivityListenerCollection.Name)]
public sealed class HandlerStartHookTests
{
    private static readonly TimeSpan s_shutdown = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task DrainCutShortAsAHandlerCallStarts_ItsCallerGetsServerDisappearedAndTheHandlerNeverRuns()
    {
        const string Name = "hook-abort-at-start";
        using var cts = new CancellationTokenSource();
        using var hook = new HandleActivityHook(Name, onStart: n =>
        {
            if (n == 2)
            {
                cts.Cancel();
            }
        });
        await using var kit = new DispatcherKit<GatedHandler>(Name, o => o.ShutdownTimeout = s_shutdown);
        kit.Probe.Gate = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var first = client.RequestAsync(1).AsTask();
        var second = client.RequestAsync(2).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync(cts.Token);
        kit.Probe.Gate.SetResult();
        await stop.Within();

        Assert.Equal(1, await first.Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => second.Within())).Kind);
        await dispatcher.Completion.Within();
        Assert.Equal(1, kit.Probe.EnteredCount);
        Assert.Equal(0, ((IUmpServerStatus)dispatcher).ActiveHandlers);
        var stopped = await hook.Stopped(2);
        Assert.Equal("server_disappeared", stopped.GetTagItem("error.type"));
    }

    [Fact]
    public async Task LoopFails_CompletionFaultsQueuedCallersGetServerDisappearedAndTheStopCompletes()
    {
        const string Name = "hook-loop-fails";
        var failure = new InvalidOperationException("listener failed");
        using var hook = new HandleActivityHook(Name, onStart: _ => throw failure);
        await using var kit = new DispatcherKit<EchoHandler>(Name, o => o.ShutdownTimeout = s_shutdown);
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        _ = client.RequestAsync(1).AsTask();
        var queued = client.RequestAsync(2).AsTask();

        await dispatcher.StartAsync();

        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => dispatcher.Completion.Within()));
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => queued.Within())).Kind);
        await dispatcher.StopAsync().Within();
        Assert.Equal("Faulted", ((IUmpServerStatus)dispatcher).State);
        Assert.Equal(1, kit.Count("LoopFailed"));
    }

    [Fact]
    public async Task Deadline_HandlerThrowsItsOwnException_TheActivityNamesTheException()
    {
        const string Name = "hook-deadline-exception";
        using var hook = new HandleActivityHook(Name);
        await using var kit = DeadlineKit(Name, ct => new InvalidOperationException("late"));
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();
        kit.Time.Advance(s_shutdown);
        await stop.Within();

        await Assert.ThrowsAsync<UmpException>(() => call.Within());
        var stopped = await hook.Stopped(1);
        Assert.Equal(typeof(InvalidOperationException).FullName, stopped.GetTagItem("error.type"));
    }

    [Fact]
    public async Task Deadline_HandlerThrowsTheCancellationOfItsToken_TheActivityNamesTheOutcomeNotTheCancellation()
    {
        const string Name = "hook-deadline-canceled";
        using var hook = new HandleActivityHook(Name);
        await using var kit = DeadlineKit(Name, ct => new OperationCanceledException(ct));
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();
        kit.Time.Advance(s_shutdown);
        await stop.Within();

        await Assert.ThrowsAsync<UmpException>(() => call.Within());
        var stopped = await hook.Stopped(1);
        Assert.Equal("server_disappeared", stopped.GetTagItem("error.type"));
        Assert.Equal(1, kit.Count("HandlerFailedAfterDeadline"));
    }

    /// <summary>A handler that waits for its token, then throws what <paramref name="failure"/> makes.</summary>
    private static DispatcherKit<GatedHandler> DeadlineKit(string name, Func<CancellationToken, Exception> failure)
    {
        var kit = new DispatcherKit<GatedHandler>(name, o => o.ShutdownTimeout = s_shutdown);
        kit.Probe.EnteredTarget = 1;
        kit.Probe.Body = async (request, reply, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct).WaitAsync(Bounded.Timeout);
            }
            catch (OperationCanceledException)
            {
            }

            throw failure(ct);
        };
        return kit;
    }
}

/// <summary>Listens to the <c>ump.handle</c> activities of one server: runs a callback as the n-th starts, and keeps each as it stops.</summary>
internal sealed class HandleActivityHook : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<Activity, int> _numbers = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<Activity>> _stopped = new();
    private int _started;

    public HandleActivityHook(string serverName, Action<int>? onStart = null)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == UmpTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                if (IsOurs(activity, serverName))
                {
                    var n = Interlocked.Increment(ref _started);
                    _numbers[activity] = n;
                    onStart?.Invoke(n);
                }
            },
            ActivityStopped = activity =>
            {
                if (IsOurs(activity, serverName) && _numbers.TryGetValue(activity, out var n))
                {
                    Signal(n).TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The n-th activity (from 1), once it has stopped.</summary>
    public Task<Activity> Stopped(int n) => Signal(n).Task.WaitAsync(Bounded.Timeout);

    public void Dispose() => _listener.Dispose();

    private static bool IsOurs(Activity activity, string serverName) =>
        activity.OperationName == "ump.handle" && Equals(activity.GetTagItem(UmpTelemetryTags.ServerName), serverName);

    private TaskCompletionSource<Activity> Signal(int n) => _stopped.GetOrAdd(n, _ => Bounded.NewSignal<Activity>());
}
