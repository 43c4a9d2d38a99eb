using System.Runtime.CompilerServices;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>
/// A stop's token often outlives the dispatcher (a host's shutdown token, a grain's): once the stop is over the dispatcher
/// takes its callbacks off every such token, so a disposed dispatcher can be collected while the tokens live on.
/// </summary>
public sealed class StopTokenReleaseTests
{
    private static readonly TimeSpan s_shutdown = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StopsWithLongLivedTokens_DrainCompletes_TheDisposedDispatcherCanBeCollected()
    {
        await using var kit = new DispatcherKit<GatedHandler>("token-release-drained", o =>
        {
            o.ShutdownTimeout = s_shutdown;
            o.SlowHandlerThreshold = null;
        });
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        using var afterwards = new CancellationTokenSource();

        var dispatcher = await StopTwiceThenDisposeAsync(kit, first.Token, second.Token, afterwards.Token);

        await CollectedAsync(dispatcher);
    }

    [Fact]
    public async Task StopWithALongLivedToken_DeadlinePasses_TheDisposedDispatcherCanBeCollected()
    {
        await using var kit = new DispatcherKit<GatedHandler>("token-release-deadline", o =>
        {
            o.ShutdownTimeout = s_shutdown;
            o.SlowHandlerThreshold = null;
        });
        using var stopToken = new CancellationTokenSource();

        var dispatcher = await StopPastTheDeadlineThenDisposeAsync(kit, stopToken.Token);

        await CollectedAsync(dispatcher);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> StopTwiceThenDisposeAsync(DispatcherKit<GatedHandler> kit, CancellationToken first, CancellationToken second, CancellationToken afterwards)
    {
        var gate = Bounded.NewSignal();
        kit.Probe.Gate = gate;
        kit.Probe.EnteredTarget = 1;
        var dispatcher = kit.Create();
        using (var client = dispatcher.CreateClient())
        {
            var call = client.RequestAsync(1).AsTask();
            await dispatcher.StartAsync();
            await kit.Probe.EnteredEnough.Task.Within();

            var stop = dispatcher.StopAsync(first);
            var again = dispatcher.StopAsync(second);
            gate.SetResult();
            await Task.WhenAll(stop, again).Within();
            Assert.Equal(1, await call.Within());

            // A stop of a stopped dispatcher has nothing to cut short: it leaves nothing on its token.
            await dispatcher.StopAsync(afterwards).Within();
        }

        await dispatcher.DisposeAsync();
        kit.Probe.Gate = Bounded.NewSignal();
        return new WeakReference(dispatcher);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> StopPastTheDeadlineThenDisposeAsync(DispatcherKit<GatedHandler> kit, CancellationToken stopToken)
    {
        kit.Probe.EnteredTarget = 1;

        // Never returns, and nothing outside the dispatcher holds what it waits for.
        kit.Probe.Body = static (request, reply, ct) => new ValueTask(new TaskCompletionSource().Task);
        var dispatcher = kit.Create();
        using (var client = dispatcher.CreateClient())
        {
            var call = client.RequestAsync(1).AsTask();
            await dispatcher.StartAsync();
            await kit.Probe.EnteredEnough.Task.Within();

            var stop = dispatcher.StopAsync(stopToken);
            kit.Time.Advance(s_shutdown);
            await stop.Within();
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }

        await dispatcher.DisposeAsync();
        kit.Probe.Body = null;
        return new WeakReference(dispatcher);
    }

    private static Task CollectedAsync(WeakReference dispatcher) => Bounded.Until(
        () =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return !dispatcher.IsAlive;
        },
        "the disposed dispatcher is collected");
}
