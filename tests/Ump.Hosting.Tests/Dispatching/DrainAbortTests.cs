using System.Collections.Concurrent;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>The stop of a dispatcher on a fake clock: the drain, the deadline, what it answers and what it records.</summary>
public sealed class DrainAbortTests
{
    private static readonly TimeSpan s_shutdown = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StopAsync_MaxConcurrencyTwo_QueueEmptyButAHandlerRuns_StopWaitsForIt()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-waits-for-running", o =>
        {
            o.MaxConcurrency = 2;
            o.ShutdownTimeout = s_shutdown;
        });
        kit.Probe.Gate = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();

        await Bounded.StillPending(stop);
        kit.Probe.Gate.SetResult();
        await stop.Within();
        Assert.Equal(1, await call.Within());
        Assert.Equal(1, kit.Count("DrainCompleted"));
    }

    [Fact]
    public async Task StopAsync_GracefulDrain_TheDeadlineTimerIsDisposed()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-graceful-timer", o => o.ShutdownTimeout = s_shutdown);
        kit.Probe.Gate = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();
        var deadline = Assert.Single(kit.Time.Timers, t => t.DueTime == s_shutdown);
        Assert.False(deadline.Disposed);
        kit.Probe.Gate.SetResult();
        await stop.Within();

        Assert.True(deadline.Disposed);
        Assert.Equal(1, await call.Within());
    }

    [Fact]
    public async Task StopAsync_TokenCutsTheDrainShortWhileAHandlerIgnoresIt_TheDeadlineTimerIsDisposed()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-cut-short-timer", o => o.ShutdownTimeout = s_shutdown);
        kit.Probe.Gate = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();
        using var cts = new CancellationTokenSource();

        var stop = dispatcher.StopAsync(cts.Token);
        await cts.CancelAsync();
        await stop.Within();

        Assert.True(Assert.Single(kit.Time.Timers, t => t.DueTime == s_shutdown).Disposed);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        Assert.Equal(1, kit.Count("HostShutdownTimeoutEndedDrain"));
        kit.Probe.Gate.SetResult();
    }

    [Fact]
    public async Task StopAsync_ShutdownTimeoutZero_AbortsAtOnceWithoutATimer()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-zero-timeout", o => o.ShutdownTimeout = TimeSpan.Zero);
        kit.Probe.Gate = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        await dispatcher.StopAsync().Within();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        Assert.DoesNotContain(kit.Time.Timers, t => t.DueTime == TimeSpan.Zero);
        Assert.Equal(["DrainStarted", "DrainDeadlinePassed"], kit.LogNames().Where(n => n.StartsWith("Drain", StringComparison.Ordinal)));
        kit.Probe.Gate.SetResult();
    }

    [Fact]
    public async Task Deadline_InlineHandlerThrowsOnceItsTokenFires_RecordedAsAFailureAfterTheDeadline()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-inline-throws", o => o.ShutdownTimeout = s_shutdown);
        kit.Probe.EnteredTarget = 1;
        kit.Probe.Body = async (request, reply, ct) =>
        {
            await WaitForCancellation(ct);
            throw new InvalidOperationException("gave up late");
        };
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();
        kit.Time.Advance(s_shutdown);
        await stop.Within();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        await dispatcher.Completion.Within();
        await Bounded.Until(() => kit.Count("HandlerFailedAfterDeadline") == 1, "the late failure is recorded");
        Assert.Equal(0, kit.Count("HandlerFailedAfterOutcome"));
        Assert.Equal(0, kit.Count("HandlerFailed"));
        Assert.Equal(0, kit.Count("LoopFailed"));
    }

    [Fact]
    public async Task Deadline_SecondConcurrentHandlerThrowsOnceItsTokenFires_RecordedAsAFailureAfterTheDeadline()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-second-throws", o =>
        {
            o.ShutdownTimeout = s_shutdown;
            o.MaxConcurrency = 2;
        });
        var first = Bounded.NewSignal();
        var ended = Bounded.NewSignal();
        kit.Probe.Body = async (request, reply, ct) =>
        {
            if (request == 1)
            {
                await first.Task.WaitAsync(Bounded.Timeout);
                reply.Reply(request);
                return;
            }

            try
            {
                await WaitForCancellation(ct);
                throw new InvalidOperationException("gave up late");
            }
            finally
            {
                ended.TrySetResult();
            }
        };
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        // The first call takes the first place among the running requests, the second the next; the first then ends.
        var call1 = client.RequestAsync(1).AsTask();
        await Bounded.Until(() => kit.Probe.EnteredCount == 1, "the first handler runs");
        var call2 = client.RequestAsync(2).AsTask();
        await Bounded.Until(() => kit.Probe.EnteredCount == 2, "the second handler runs");
        first.SetResult();
        Assert.Equal(1, await call1.Within());
        await Bounded.Until(() => ((Internal.Telemetry.IUmpServerStatus)dispatcher).ActiveHandlers == 1, "the first handler returned");

        var stop = dispatcher.StopAsync();
        kit.Time.Advance(s_shutdown);
        await stop.Within();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call2.Within())).Kind);
        await ended.Task.Within();
        await Bounded.Until(() => kit.Count("HandlerFailedAfterDeadline") == 1, "the late failure is recorded");
        Assert.Equal(0, kit.Count("HandlerFailedAfterOutcome"));
    }

    [Fact]
    public async Task Deadline_ThreeHandlersIgnoreTheirTokens_EveryCallerGetsServerDisappeared()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-three-running", o =>
        {
            o.ShutdownTimeout = s_shutdown;
            o.MaxConcurrency = 3;
        });
        kit.Probe.Gate = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 3;
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        Task<int>[] calls = [.. Enumerable.Range(1, 3).Select(i => client.RequestAsync(i).AsTask())];
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();
        kit.Time.Advance(s_shutdown);
        await stop.Within();

        foreach (var call in calls)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }

        var record = Assert.Single(kit.Logs(), r => r.Id.Name == "DrainDeadlinePassed");
        Assert.Equal("3", record.GetStructuredStateValue("RunningCount"));
        kit.Probe.Gate.SetResult();
    }

    [Fact]
    public async Task Deadline_OnlyQueuedRequestsCutShort_RecordedWithTheQueuedCount()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-queued-only", o => o.ShutdownTimeout = s_shutdown);
        var release = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        kit.Probe.Body = async (request, reply, ct) =>
        {
            // Answers at once, then keeps running past the deadline: nothing of it is cut short.
            reply.Reply(request);
            await release.Task.WaitAsync(Bounded.Timeout);
        };
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var answered = client.RequestAsync(1).AsTask();
        var queued = client.RequestAsync(2).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();
        Assert.Equal(1, await answered.Within());

        var stop = dispatcher.StopAsync();
        kit.Time.Advance(s_shutdown);
        await stop.Within();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => queued.Within())).Kind);
        var record = Assert.Single(kit.Logs(), r => r.Id.Name == "DrainDeadlinePassed");
        Assert.Equal("1", record.GetStructuredStateValue("QueuedCount"));
        Assert.Equal("0", record.GetStructuredStateValue("RunningCount"));
        release.SetResult();
    }

    [Fact]
    public async Task Deadline_NothingLeftToCutShort_NoDeadlineRecord()
    {
        await using var kit = new DispatcherKit<GatedHandler>("drain-nothing-cut", o => o.ShutdownTimeout = s_shutdown);
        var release = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        kit.Probe.Body = async (request, reply, ct) =>
        {
            reply.Reply(request);
            await release.Task.WaitAsync(Bounded.Timeout);
        };
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var answered = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();
        Assert.Equal(1, await answered.Within());

        var stop = dispatcher.StopAsync();
        kit.Time.Advance(s_shutdown);
        await stop.Within();

        Assert.DoesNotContain("DrainDeadlinePassed", kit.LogNames());
        Assert.DoesNotContain("DrainCompleted", kit.LogNames());
        release.SetResult();
    }

    private static async Task WaitForCancellation(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct).WaitAsync(Bounded.Timeout);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>One gate per request, for handlers that must end in an order the test picks.</summary>
internal sealed class RequestGates
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _gates = new();

    public TaskCompletionSource For(int request) => _gates.GetOrAdd(request, _ => Bounded.NewSignal());

    public void Open(int request) => For(request).SetResult();
}
