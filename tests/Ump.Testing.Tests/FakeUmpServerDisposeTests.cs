namespace Ump.Testing.Tests;

public sealed class FakeUmpServerDisposeTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dispose_HeldRequest_ServerDisappeared_AndReleaseThrows()
    {
        var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext().Hold();
        var call = fake.Client.RequestAsync(1).AsTask();
        await hold.WaitForRequestAsync(Bounded.Timeout, TestToken);

        await fake.DisposeAsync();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        Assert.Throws<ObjectDisposedException>(() => hold.Reply("late"));
    }

    [Fact]
    public async Task Dispose_RunningFunction_CallerGetsServerDisappeared_AndTheTokenFires()
    {
        var started = Bounded.NewSignal();
        var tokenFired = Bounded.NewSignal();
        var fake = new FakeUmpServer<int, string, TestError>(async (_, ct) =>
        {
            using var registration = ct.Register(tokenFired.SetResult);
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });
        var call = fake.Client.RequestAsync(1).AsTask();
        await started.Task.Within();

        fake.Dispose();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        await tokenFired.Task.Within();
    }

    [Fact]
    public async Task Dispose_LaterRequests_ServerDisappearedThroughEveryClient()
    {
        var fake = new FakeUmpServer<int, string, TestError>(n => "x");
        using var created = fake.CreateClient();
        await fake.DisposeAsync();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => fake.Client.RequestAsync(1).Within())).Kind);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => created.RequestAsync(2).Within())).Kind);
        Assert.Equal(UmpErrorKind.ServerDisappeared, Assert.Throws<UmpException>(() => fake.Client.Request(3)).Kind);
    }

    [Fact]
    public async Task Dispose_UsingTheFake_ObjectDisposed_ButRequestsStayReadable()
    {
        var fake = new FakeUmpServer<int, string, TestError>(n => "x");
        await fake.Client.RequestAsync(1).Within();
        var script = fake.OnNext();

        fake.Dispose();
        fake.Dispose();
        await fake.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => fake.CreateClient());
        Assert.Throws<ObjectDisposedException>(() => fake.OnNext());
        Assert.Throws<ObjectDisposedException>(() => fake.On(_ => true));
        Assert.Throws<ObjectDisposedException>(() => script.Reply("late"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => fake.WaitForRequestsAsync(2, Bounded.Timeout, TestToken));
        Assert.Equal([1], fake.Requests);
        Assert.Single(await fake.WaitForRequestsAsync(1, Bounded.Timeout, TestToken));
    }

    [Fact]
    public async Task Dispose_WhileWaitingForRequests_WaitEndsWithObjectDisposed()
    {
        var fake = new FakeUmpServer<int, string, TestError>();
        var waiting = fake.WaitForRequestsAsync(1, Bounded.Timeout, TestToken);
        await Bounded.StillPending(waiting);

        fake.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.Within());
    }

    [Fact]
    public async Task Dispose_WhileAHoldWaitsForItsRequest_WaitEndsWithObjectDisposed()
    {
        var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext().Hold();
        var waiting = hold.WaitForRequestAsync(Bounded.Timeout, TestToken);

        fake.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.Within());
    }

    [Fact]
    public async Task Dispose_QueuedAndRacingRequests_AllEndWithServerDisappearedOrAnAnswer()
    {
        var fake = new FakeUmpServer<int, string, TestError>(async (n, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });
        var calls = Enumerable.Range(0, 50).Select(n => Task.Run(() => fake.Client.RequestAsync(n).AsTask())).ToArray();
        await fake.WaitForRequestsAsync(1, Bounded.Timeout, TestToken);

        await fake.DisposeAsync();

        foreach (var call in calls)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }
    }

    [Fact]
    public async Task DisposeAsync_WhileAScriptedReplyFunctionRuns_WaitsForIt_AndItsReplyIsDelivered()
    {
        var entered = Bounded.NewSignal();
        using var gate = new ManualResetEventSlim();
        var fake = new FakeUmpServer<int, string, TestError>(n => "function");
        fake.OnNext().Reply(_ =>
        {
            entered.SetResult();
            gate.Wait(Bounded.Timeout);
            return "scripted";
        });
        var call = fake.Client.RequestAsync(1).AsTask();
        await entered.Task.Within();

        var disposing = fake.DisposeAsync().AsTask();
        await Bounded.StillPending(disposing);
        gate.Set();

        await disposing.Within();
        Assert.Equal("scripted", await call.Within());
    }

    [Fact]
    public async Task AsyncFunction_ThrowsAppError_CallerGetsTheError()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(async (n, _) =>
        {
            await Task.Yield();
            throw new UmpException<TestError>(TestError.NotFound);
        });

        var ex = await Assert.ThrowsAsync<UmpException<TestError>>(() => fake.Client.RequestAsync(1).Within());

        Assert.Equal(TestError.NotFound, ex.Error);
    }

    [Fact]
    public async Task Dispose_WhileARequestIsBeingPickedForAHold_CallerGetsServerDisappeared()
    {
        var fake = new FakeUmpServer<int, string, TestError>();
        // The script's predicate runs on the fake's loop as the request is picked: disposing there is the instant a
        // Dispose on another thread could hit, between the pick and the hold taking the request.
        var hold = fake.On(_ =>
        {
            fake.Dispose();
            return true;
        }).Hold();

        var call = fake.Client.RequestAsync(1).AsTask();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        Assert.Equal(0, hold.Count);
        Assert.Throws<ObjectDisposedException>(() => hold.Reply("late"));
    }
}
