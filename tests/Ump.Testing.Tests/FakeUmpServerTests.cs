using Microsoft.Extensions.Time.Testing;

namespace Ump.Testing.Tests;

public sealed class FakeUmpServerTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Function_AnswersEveryRequest_AndRecordsThem()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(n => $"#{n}");

        Assert.Equal("#1", await fake.Client.RequestAsync(1).Within());
        Assert.Equal("#2", await Bounded.OnThread(() => fake.Client.Request(2)).Within());

        Assert.Equal([1, 2], fake.Requests);
    }

    [Fact]
    public async Task Function_ThrowsAppError_CallerGetsTheError()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(_ => throw new UmpException<TestError>(TestError.Refused));

        var ex = await Assert.ThrowsAsync<UmpException<TestError>>(() => fake.Client.RequestAsync(1).Within());

        Assert.Equal(TestError.Refused, ex.Error);
    }

    [Fact]
    public async Task Function_ThrowsAnythingElse_CallerGetsNoReplyWithTheException()
    {
        var thrown = new InvalidOperationException("broken fake");
        await using var fake = new FakeUmpServer<int, string, TestError>(_ => throw thrown);

        var ex = await Assert.ThrowsAsync<UmpException>(() => fake.Client.RequestAsync(1).Within());

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.Same(thrown, ex.InnerException);
    }

    [Fact]
    public async Task AsyncFunction_CallerGivesUp_FunctionsTokenFires()
    {
        var started = Bounded.NewSignal();
        var canceled = Bounded.NewSignal();
        await using var fake = new FakeUmpServer<int, string, TestError>(async (n, ct) =>
        {
            using var registration = ct.Register(canceled.SetResult);
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });
        using var cts = new CancellationTokenSource();

        var call = fake.Client.RequestAsync(1, cts.Token).AsTask();
        await started.Task.Within();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        await canceled.Task.Within();
    }

    [Fact]
    public async Task AsyncFunction_Replies()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(async (n, _) =>
        {
            await Task.Yield();
            return $"async {n}";
        });

        Assert.Equal("async 3", await fake.Client.RequestAsync(3).Within());
    }

    [Fact]
    public async Task Handler_AnswersLikeAHostedOne_ExceptionsAreNoReply()
    {
        var handler = new LambdaHandler((n, reply, _) =>
        {
            if (n == 0)
            {
                throw new UmpException<TestError>(TestError.Refused);
            }

            if (n < 0)
            {
                reply.Fail(TestError.NotFound);
            }
            else
            {
                reply.Reply($"h{n}");
            }

            return default;
        });
        await using var fake = new FakeUmpServer<int, string, TestError>(handler);

        Assert.Equal("h1", await fake.Client.RequestAsync(1).Within());
        Assert.Equal(TestError.NotFound, (await Assert.ThrowsAsync<UmpException<TestError>>(() => fake.Client.RequestAsync(-1).Within())).Error);
        var thrown = await Assert.ThrowsAsync<UmpException>(() => fake.Client.RequestAsync(0).Within());
        Assert.Equal(UmpErrorKind.NoReply, thrown.Kind);
        Assert.IsType<UmpException<TestError>>(thrown.InnerException);
    }

    [Fact]
    public async Task NoScriptAndNoFunction_NoReplyThatSaysWhy()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();

        var ex = await Assert.ThrowsAsync<UmpException>(() => fake.Client.RequestAsync(9).Within());

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.Contains("no script for request 9", ex.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnNext_Reply_AnswersThatManyRequests_ThenTheFunctionAgain()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(n => "function");
        fake.OnNext(2).Reply("scripted");

        Assert.Equal("scripted", await fake.Client.RequestAsync(1).Within());
        Assert.Equal("scripted", await fake.Client.RequestAsync(2).Within());
        Assert.Equal("function", await fake.Client.RequestAsync(3).Within());
    }

    [Fact]
    public async Task OnNext_Fail_CallerGetsTheAppError()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        fake.OnNext().Fail(TestError.NotFound);

        var ex = await Assert.ThrowsAsync<UmpException<TestError>>(() => fake.Client.RequestAsync(1).Within());

        Assert.Equal(TestError.NotFound, ex.Error);
        Assert.Equal(UmpErrorKind.App, ex.Kind);
    }

    [Fact]
    public async Task OnNext_NoReply_CallerGetsNoReply()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        fake.OnNext().NoReply();

        var ex = await Assert.ThrowsAsync<UmpException>(() => fake.Client.RequestAsync(1).Within());

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
    }

    [Fact]
    public async Task OnNext_ServerDisappeared_CallerGetsServerDisappeared_AndTheFakeStillServes()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(n => "back");
        fake.OnNext().ServerDisappeared();

        var ex = await Assert.ThrowsAsync<UmpException>(() => fake.Client.RequestAsync(1).Within());

        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        Assert.Equal("back", await fake.Client.RequestAsync(2).Within());
    }

    [Fact]
    public async Task On_Predicate_AnswersEveryMatchingRequest_InSetupOrder()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(n => "other");
        fake.On(n => n > 100).Fail(TestError.Refused);
        fake.On(n => n % 2 == 0).Reply(n => $"even {n}");
        fake.On(n => n == 4).Reply("never: an earlier script picks 4");

        Assert.Equal("even 4", await fake.Client.RequestAsync(4).Within());
        Assert.Equal("even 6", await fake.Client.RequestAsync(6).Within());
        Assert.Equal("other", await fake.Client.RequestAsync(5).Within());
        await Assert.ThrowsAsync<UmpException<TestError>>(() => fake.Client.RequestAsync(102).Within());
    }

    [Fact]
    public async Task ScriptedReplyFunctionThrows_NoReplyWithTheException()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        fake.OnNext().Reply(_ => throw new FormatException("bad script"));

        var ex = await Assert.ThrowsAsync<UmpException>(() => fake.Client.RequestAsync(1).Within());

        Assert.IsType<FormatException>(ex.InnerException);
    }

    [Fact]
    public async Task PredicateThrows_NoReplyWithTheException()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        fake.On(_ => throw new FormatException("bad predicate")).Reply("x");

        var ex = await Assert.ThrowsAsync<UmpException>(() => fake.Client.RequestAsync(1).Within());

        Assert.IsType<FormatException>(ex.InnerException);
    }

    [Fact]
    public async Task Script_SecondOutcome_Throws()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var script = fake.OnNext();
        script.Reply("one");

        Assert.Throws<InvalidOperationException>(() => script.Fail(TestError.Refused));
        Assert.Throws<InvalidOperationException>(() => script.Hold());
    }

    [Fact]
    public async Task Arguments_AreChecked()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();

        Assert.Throws<ArgumentOutOfRangeException>(() => fake.OnNext(0));
        Assert.Throws<ArgumentNullException>(() => fake.On(null!));
        Assert.Throws<ArgumentNullException>(() => fake.OnNext().Reply((Func<int, string>)null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fake.WaitForRequestsAsync(-1, Bounded.Timeout, TestToken));
        Assert.Throws<ArgumentNullException>(() => new FakeUmpServer<int, string, TestError>((Func<int, string>)null!));
        Assert.Throws<ArgumentNullException>(() => new FakeUmpServer<int, string, TestError>((Ump.Hosting.IUmpHandler<int, string, TestError>)null!));
    }

    [Fact]
    public async Task WaitForRequestsAsync_ConcurrentCallers_ReturnsOnceAllArrived()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var waiting = fake.WaitForRequestsAsync(3, Bounded.Timeout, TestToken);
        await Bounded.StillPending(waiting);
        var calls = Enumerable.Range(1, 3).Select(n => Task.Run(() => fake.Client.RequestAsync(n).AsTask())).ToArray();

        var received = await waiting;
        Assert.Equal([1, 2, 3], received.Order());
        Assert.Equal(["1", "2", "3"], (await Task.WhenAll(calls).Within()).Order());
    }

    [Fact]
    public async Task WaitForRequestsAsync_TooFew_TimeoutSaysHowMany()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(n => "x");
        await fake.Client.RequestAsync(1).Within();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => fake.WaitForRequestsAsync(2, TimeSpan.FromMilliseconds(20), TestToken));

        Assert.Contains("received 1 of the 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForRequestsAsync_TokenFires_Canceled()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        using var cts = new CancellationTokenSource();

        var waiting = fake.WaitForRequestsAsync(1, Bounded.Timeout, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Within());
    }

    [Fact]
    public async Task ConcurrentCallers_ManyClients_EveryRequestAnsweredAndRecorded()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(async (n, _) =>
        {
            await Task.Yield();
            return $"r{n}";
        });
        fake.On(n => n % 10 == 0).Fail(TestError.Refused);

        var callers = Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
        {
            using var client = fake.CreateClient();
            for (var i = 0; i < 100; i++)
            {
                var n = (caller * 100) + i;
                if (n % 10 == 0)
                {
                    await Assert.ThrowsAsync<UmpException<TestError>>(() => client.RequestAsync(n).AsTask());
                }
                else
                {
                    Assert.Equal($"r{n}", await client.RequestAsync(n));
                }
            }
        })).ToArray();

        await Task.WhenAll(callers).Within();
        Assert.Equal(Enumerable.Range(0, 800), fake.Requests.Order());
    }

    [Fact]
    public async Task Options_RequestTimeoutOnAFakeClock_CallerTimesOut()
    {
        var time = new FakeTimeProvider();
        await using var fake = new FakeUmpServer<int, string, TestError>(new UmpChannelOptions { RequestTimeout = TimeSpan.FromSeconds(5), TimeProvider = time });
        var hold = fake.OnNext().Hold();

        var call = fake.Client.RequestAsync(1).AsTask();
        await hold.WaitForRequestAsync(Bounded.Timeout, TestToken);
        time.Advance(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<TimeoutException>(() => call.Within());
    }
}
