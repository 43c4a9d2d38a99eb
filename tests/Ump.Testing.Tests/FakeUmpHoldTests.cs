namespace Ump.Testing.Tests;

public sealed class FakeUmpHoldTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Hold_RequestWaitsUntilReleased_ThenLaterOnesAreAnsweredAtOnce()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext(3).Hold();

        var first = fake.Client.RequestAsync(1).AsTask();
        Assert.Equal(1, await hold.WaitForRequestAsync(Bounded.Timeout, TestToken));
        var second = fake.Client.RequestAsync(2).AsTask();
        await Bounded.Until(() => hold.Count == 2, "the hold has both requests");
        await Bounded.StillPending(first);

        hold.Reply("released");

        Assert.Equal("released", await first.Within());
        Assert.Equal("released", await second.Within());
        Assert.Equal(0, hold.Count);
        Assert.Equal("released", await fake.Client.RequestAsync(3).Within());
        Assert.Throws<InvalidOperationException>(() => hold.Fail(TestError.Refused));
    }

    [Fact]
    public async Task Hold_ReleasedWithFail_CallerGetsTheError()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext().Hold();
        var call = fake.Client.RequestAsync(1).AsTask();
        await hold.WaitForRequestAsync(Bounded.Timeout, TestToken);

        hold.Fail(TestError.Refused);

        Assert.Equal(TestError.Refused, (await Assert.ThrowsAsync<UmpException<TestError>>(() => call.Within())).Error);
    }

    [Theory]
    [InlineData(UmpErrorKind.NoReply)]
    [InlineData(UmpErrorKind.ServerDisappeared)]
    public async Task Hold_ReleasedWithoutAnswer_CallerGetsThatKind(UmpErrorKind kind)
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.On(n => n == 1).Hold();
        var call = fake.Client.RequestAsync(1).AsTask();
        await hold.WaitForRequestAsync(Bounded.Timeout, TestToken);

        if (kind == UmpErrorKind.NoReply)
        {
            hold.NoReply();
        }
        else
        {
            hold.ServerDisappeared();
        }

        Assert.Equal(kind, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
    }

    [Fact]
    public async Task Hold_CallerGivesUp_ReleaseLaterChangesNothing()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext().Hold();
        using var cts = new CancellationTokenSource();
        var call = fake.Client.RequestAsync(1, cts.Token).AsTask();
        await hold.WaitForRequestAsync(Bounded.Timeout, TestToken);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());

        hold.Reply("nobody listens");
    }

    [Fact]
    public async Task Hold_NoRequestArrives_TimeoutSaysWhatToCheck()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext().Hold();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => hold.WaitForRequestAsync(TimeSpan.FromMilliseconds(20), TestToken));

        Assert.Contains("No request reached the hold", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hold_DoesNotBlockOtherRequests()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(n => "free");
        var hold = fake.On(n => n == 0).Hold();

        var held = fake.Client.RequestAsync(0).AsTask();
        await hold.WaitForRequestAsync(Bounded.Timeout, TestToken);

        Assert.Equal("free", await fake.Client.RequestAsync(1).Within());
        Assert.False(held.IsCompleted);
        hold.Reply("held");
        Assert.Equal("held", await held.Within());
    }

    [Fact]
    public async Task Hold_AfterRelease_LaterRequestsAreAnsweredAndNotHeld()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext(3).Hold();
        hold.Reply("released");

        Assert.Equal("released", await fake.Client.RequestAsync(1).Within());
        Assert.Equal("released", await fake.Client.RequestAsync(2).Within());

        Assert.Equal(0, hold.Count);
    }

    [Fact]
    public async Task Hold_FakeDisposed_HoldsNothingAnymore()
    {
        var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext(2).Hold();
        var calls = new[] { fake.Client.RequestAsync(1).AsTask(), fake.Client.RequestAsync(2).AsTask() };
        await Bounded.Until(() => hold.Count == 2, "the hold has both requests");

        await fake.DisposeAsync();

        Assert.Equal(0, hold.Count);
        foreach (var call in calls)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }
    }
}
