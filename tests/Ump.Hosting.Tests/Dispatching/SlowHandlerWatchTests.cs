namespace Ump.Hosting.Tests.Dispatching;

/// <summary>The slow-handler watch on a fake clock: each call reported once, when it passes the threshold, whenever it started.</summary>
public sealed class SlowHandlerWatchTests
{
    private static readonly TimeSpan s_threshold = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task SlowHandlers_SecondCallStartsLater_EachReportedOnceWhenItPassesTheThreshold()
    {
        var gates = new RequestGates();
        await using var kit = Create("slow-staggered", gates);
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        var call1 = client.RequestAsync(1).AsTask();
        await Bounded.Until(() => kit.Probe.EnteredCount == 1, "the first call runs");
        kit.Time.Advance(TimeSpan.FromMilliseconds(100));
        var call2 = client.RequestAsync(2).AsTask();
        await Bounded.Until(() => kit.Probe.EnteredCount == 2, "the second call runs");

        kit.Time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(0, kit.Count("SlowHandler"));
        kit.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, kit.Count("SlowHandler"));
        kit.Time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(1, kit.Count("SlowHandler"));
        kit.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, kit.Count("SlowHandler"));
        kit.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, kit.Count("SlowHandler"));

        gates.Open(1);
        gates.Open(2);
        Assert.Equal(new[] { 1, 2 }, await Task.WhenAll(call1, call2).Within());
        await dispatcher.StopAsync().Within();
    }

    [Fact]
    public async Task SlowHandlers_ALaterCallTakesTheFirstPlace_TheWatchWakesForTheCallNearestTheThreshold()
    {
        var gates = new RequestGates();
        await using var kit = Create("slow-nearest", gates);
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        // 1 starts at 0 ms and ends at 50 ms; 2 starts at 50 ms; 3 starts at 100 ms in the place 1 left.
        var call1 = client.RequestAsync(1).AsTask();
        await Bounded.Until(() => kit.Probe.EnteredCount == 1, "the first call runs");
        kit.Time.Advance(TimeSpan.FromMilliseconds(50));
        var call2 = client.RequestAsync(2).AsTask();
        await Bounded.Until(() => kit.Probe.EnteredCount == 2, "the second call runs");
        gates.Open(1);
        Assert.Equal(1, await call1.Within());
        await Bounded.Until(() => ((Internal.Telemetry.IUmpServerStatus)dispatcher).ActiveHandlers == 1, "the first call returned");
        kit.Time.Advance(TimeSpan.FromMilliseconds(50));
        var call3 = client.RequestAsync(3).AsTask();
        await Bounded.Until(() => kit.Probe.EnteredCount == 3, "the third call runs");

        kit.Time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, kit.Count("SlowHandler"));
        kit.Time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(0, kit.Count("SlowHandler"));
        kit.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, kit.Count("SlowHandler"));
        kit.Time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(2, kit.Count("SlowHandler"));

        gates.Open(2);
        gates.Open(3);
        Assert.Equal(new[] { 2, 3 }, await Task.WhenAll(call2, call3).Within());
        await dispatcher.StopAsync().Within();
    }

    [Fact]
    public async Task SlowHandlers_DispatcherDisposedWhileATickWaits_TheTickReportsNothing()
    {
        await using var kit = new DispatcherKit<GatedHandler>("slow-dispose-during-tick", o =>
        {
            o.SlowHandlerThreshold = s_threshold;
            o.ShutdownTimeout = TimeSpan.Zero;
        });
        kit.Probe.Gate = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();
        var inTick = Bounded.NewSignal();
        using var releaseTick = new ManualResetEventSlim();
        var held = 0;
        kit.Time.BeforeTick = () =>
        {
            if (Interlocked.Exchange(ref held, 1) == 0)
            {
                inTick.SetResult();
                Assert.True(releaseTick.Wait(Bounded.Timeout));
            }
        };

        var advance = Bounded.OnThread(() => kit.Time.Advance(s_threshold));
        await inTick.Task.Within();
        await Bounded.OnThread(() => dispatcher.DisposeAsync().AsTask().GetAwaiter().GetResult()).Within();
        releaseTick.Set();
        await advance.Within();

        Assert.Equal(0, kit.Count("SlowHandler"));
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        kit.Probe.Gate.SetResult();
    }

    private static DispatcherKit<GatedHandler> Create(string name, RequestGates gates)
    {
        var kit = new DispatcherKit<GatedHandler>(name, o =>
        {
            o.MaxConcurrency = 2;
            o.SlowHandlerThreshold = s_threshold;
        });
        kit.Probe.Body = async (request, reply, ct) =>
        {
            await gates.For(request).Task.WaitAsync(Bounded.Timeout);
            reply.Reply(request);
        };
        return kit;
    }
}
