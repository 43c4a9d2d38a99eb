using Microsoft.Extensions.DependencyInjection;

namespace Ump.Testing.Tests;

public sealed class UmpHandlerTesterTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_HandlerReplies_Replied()
    {
        var handler = new LambdaHandler((request, reply, _) =>
        {
            reply.Reply($"got {request}");
            return default;
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 7, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Replied, outcome.Kind);
        Assert.Equal("got 7", outcome.Reply);
        Assert.Equal("Replied: got 7", outcome.ToString());
    }

    [Fact]
    public async Task RunAsync_AsyncHandlerReplies_Replied()
    {
        var handler = new LambdaHandler(async (request, reply, ct) =>
        {
            await Task.Yield();
            reply.Reply("later");
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal("later", outcome.Reply);
    }

    [Fact]
    public async Task RunAsync_HandlerFails_FailedWithTheError()
    {
        var handler = new LambdaHandler((_, reply, _) =>
        {
            reply.Fail(TestError.NotFound);
            return default;
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(TestError.NotFound, outcome.Error);
        Assert.Equal("Failed: NotFound", outcome.ToString());
    }

    [Theory]
    [InlineData(false, UmpErrorKind.NoReply)]
    [InlineData(true, UmpErrorKind.ServerDisappeared)]
    public async Task RunAsync_HandlerDisposesOrAbortsContext_NoReplyOfThatKind(bool abort, UmpErrorKind kind)
    {
        var handler = new LambdaHandler((_, reply, _) =>
        {
            if (abort)
            {
                reply.Abort();
            }
            else
            {
                reply.Dispose();
            }

            return default;
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
        Assert.Equal(kind, Assert.IsType<UmpException>(outcome.Exception).Kind);
        Assert.StartsWith("NoReply: Ump.UmpException: ", outcome.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HandlerAbandonsWithReason_NoReplyCarriesTheReason()
    {
        var reason = new InvalidOperationException("the database is down");
        var handler = new LambdaHandler((_, reply, _) =>
        {
            reply.Abandon(reason);
            return default;
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
        Assert.Same(reason, outcome.Exception.InnerException);
    }

    [Fact]
    public async Task RunAsync_HandlerReturnsWithoutAnsweringAndKeepsNothing_NoReply()
    {
        var handler = new LambdaHandler((_, _, _) => default);

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
        Assert.Contains("garbage-collected", outcome.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AsyncHandlerReturnsWithoutAnswering_NoReply()
    {
        var handler = new LambdaHandler(async (_, _, _) => await Task.Yield());

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
    }

    [Fact]
    public async Task RunAsync_HandlerThrowsSynchronously_Threw()
    {
        var thrown = new InvalidOperationException("boom");
        var handler = new LambdaHandler((_, _, _) => throw thrown);

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Threw, outcome.Kind);
        Assert.Same(thrown, outcome.Exception);
        Assert.Equal("Threw: System.InvalidOperationException: boom", outcome.ToString());
    }

    [Fact]
    public async Task RunAsync_AsyncHandlerThrows_Threw()
    {
        var handler = new LambdaHandler(async (_, _, _) =>
        {
            await Task.Yield();
            throw new FormatException("bad");
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.IsType<FormatException>(outcome.Exception);
    }

    [Fact]
    public async Task RunAsync_HandlerRepliesTwice_ThrewTheSecondReplysException()
    {
        var handler = new LambdaHandler((_, reply, _) =>
        {
            reply.Reply("first");
            reply.Reply("second");
            return default;
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Threw, outcome.Kind);
        Assert.IsType<InvalidOperationException>(outcome.Exception);
    }

    [Fact]
    public async Task RunAsync_HandlerOwnCancellation_ThrewNotCanceled()
    {
        var handler = new LambdaHandler((_, _, _) => throw new OperationCanceledException("its own timeout"));

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Threw, outcome.Kind);
    }

    [Fact]
    public async Task RunAsync_HandlerGetsTheRequestAndTheContextsAbortToken()
    {
        var seen = Bounded.NewSignal<(int, bool)>();
        var handler = new LambdaHandler((request, reply, ct) =>
        {
            seen.SetResult((request, ct == reply.RequestAborted && ct.CanBeCanceled));
            reply.Reply("ok");
            return default;
        });

        await UmpHandlerTester.RunAsync(handler, 42, TestToken);

        Assert.Equal((42, true), await seen.Task.Within());
    }

    [Fact]
    public async Task Start_CallsTheHandlerOnTheCallingThreadUpToItsFirstAwait()
    {
        var entered = false;
        var gate = Bounded.NewSignal();
        var handler = new LambdaHandler(async (_, reply, _) =>
        {
            entered = true;
            await gate.Task;
            reply.Reply("done");
        });

        var run = UmpHandlerTester.Start(handler, 1);

        Assert.True(entered);
        Assert.False(run.Returned.IsCompleted);
        Assert.Contains("running", run.ToString(), StringComparison.Ordinal);
        gate.SetResult();
        Assert.Equal("done", (await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken)).Reply);
        Assert.Equal("Run of 1: returned, Replied: done", run.ToString());
    }

    [Fact]
    public async Task Cancel_HandlerHonoursItsToken_CanceledAndRequestAbortedFired()
    {
        var aborted = false;
        var handler = new LambdaHandler(async (_, reply, ct) =>
        {
            using var registration = reply.RequestAborted.Register(() => aborted = true);
            await Task.Delay(Timeout.Infinite, ct);
        });

        var run = UmpHandlerTester.Start(handler, 1);
        run.Cancel();
        var outcome = await run.Returned.Within();

        Assert.Equal(UmpHandlerOutcomeKind.Canceled, outcome.Kind);
        Assert.IsAssignableFrom<OperationCanceledException>(outcome.Exception);
        Assert.True(aborted);
    }

    [Fact]
    public async Task Cancel_HandlerReturnsNormallyAfterwards_Canceled()
    {
        var replyAccepted = Bounded.NewSignal<bool>();
        var handler = new LambdaHandler(async (_, reply, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            replyAccepted.SetResult(reply.Reply("too late"));
        });

        var run = UmpHandlerTester.Start(handler, 1);
        run.Cancel();
        var outcome = await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Canceled, outcome.Kind);
        Assert.False(await replyAccepted.Task.Within());
    }

    [Fact]
    public async Task Cancel_AfterTheHandlerReplied_ChangesNothing()
    {
        var handler = new LambdaHandler((_, reply, _) =>
        {
            reply.Reply("answered");
            return default;
        });

        var run = UmpHandlerTester.Start(handler, 1);
        await run.Returned.Within();
        run.Cancel();
        run.Cancel();

        Assert.Equal("answered", (await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken)).Reply);
    }

    [Fact]
    public async Task RunAsync_TokenFires_ThrowsAndCancelsTheHandler()
    {
        var handlerCanceled = Bounded.NewSignal();
        var handler = new LambdaHandler(async (_, _, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                handlerCanceled.SetResult();
            }
        });
        using var cts = new CancellationTokenSource();

        var running = UmpHandlerTester.RunAsync(handler, 1, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Within());
        await handlerCanceled.Task.Within();
    }

    [Fact]
    public async Task RunAsync_HandlerDefersItsAnswer_Pending()
    {
        var handler = new DeferringHandler();

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Pending, outcome.Kind);
        Assert.Throws<InvalidOperationException>(() => outcome.Reply);
        Assert.Throws<InvalidOperationException>(() => outcome.Exception);
        Assert.StartsWith("Pending", outcome.ToString(), StringComparison.Ordinal);
        Assert.Single(handler.Deferred).Dispose();
    }

    [Fact]
    public async Task WaitForOutcomeAsync_DeferredAnswerComesLater_TheAnswer()
    {
        var handler = new DeferringHandler();
        var run = UmpHandlerTester.Start(handler, 1);

        Assert.Equal(UmpHandlerOutcomeKind.Pending, (await run.Returned.Within()).Kind);
        var waiting = run.WaitForOutcomeAsync(Bounded.Timeout, TestToken);
        await Bounded.StillPending(waiting);
        Assert.True(handler.Deferred[0].Fail(TestError.Refused));

        var outcome = await waiting;
        Assert.Equal(UmpHandlerOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(TestError.Refused, outcome.Error);
    }

    [Fact]
    public async Task WaitForOutcomeAsync_DeferredAnswerThenCancel_Canceled()
    {
        var handler = new DeferringHandler();
        var run = UmpHandlerTester.Start(handler, 1);
        await run.Returned.Within();

        run.Cancel();

        Assert.Equal(UmpHandlerOutcomeKind.Canceled, (await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken)).Kind);
        Assert.True(handler.Deferred[0].RequestAborted.IsCancellationRequested);
        Assert.False(handler.Deferred[0].Reply("too late"));
    }

    [Fact]
    public async Task WaitForOutcomeAsync_HandlerNeverReturns_TimeoutSaysSo()
    {
        var handler = new LambdaHandler(async (_, _, ct) => await Task.Delay(Timeout.Infinite, ct));
        var run = UmpHandlerTester.Start(handler, 5);

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => run.WaitForOutcomeAsync(TimeSpan.FromMilliseconds(20), TestToken));

        Assert.Contains("request 5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("has not returned", ex.Message, StringComparison.Ordinal);
        run.Cancel();
        Assert.Equal(UmpHandlerOutcomeKind.Canceled, (await run.Returned.Within()).Kind);
    }

    [Fact]
    public async Task WaitForOutcomeAsync_DeferredAnswerNeverComes_TimeoutSaysSo()
    {
        var handler = new DeferringHandler();
        var run = UmpHandlerTester.Start(handler, 1);
        await run.Returned.Within();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => run.WaitForOutcomeAsync(TimeSpan.FromMilliseconds(20), TestToken));

        Assert.Contains("returned without answering", ex.Message, StringComparison.Ordinal);
        handler.Deferred[0].Dispose();
    }

    [Fact]
    public async Task Start_NullHandler_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => UmpHandlerTester.Start<int, string, TestError>(null!, 1));
        await Assert.ThrowsAsync<ArgumentNullException>(() => UmpHandlerTester.RunAsync<int, string, TestError>(null!, 1, TestToken));
    }

    [Fact]
    public async Task RunAsync_FromServices_HandlerInItsOwnScope_DisposedAfterTheRun()
    {
        var seen = new List<ScopedCounter>();
        await using var services = new ServiceCollection()
            .AddScoped<ScopedCounter>()
            .AddSingleton(seen)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        var disposalsBefore = Volatile.Read(ref ScopedHandler.Disposals);

        var first = await UmpHandlerTester.RunAsync<int, string, TestError, ScopedHandler>(services, 1, TestToken);
        var second = await UmpHandlerTester.RunAsync<int, string, TestError, ScopedHandler>(services, 2, TestToken);

        Assert.Equal($"1:{seen[0].Id}:False", first.Reply);
        Assert.Equal($"2:{seen[1].Id}:False", second.Reply);
        Assert.NotSame(seen[0], seen[1]);
        Assert.All(seen, counter => Assert.True(counter.Disposed));
        Assert.True(Volatile.Read(ref ScopedHandler.Disposals) >= disposalsBefore + 2);
    }

    [Fact]
    public async Task Start_FromServices_ScopeDisposedOnlyWhenTheHandlerReturns()
    {
        var seen = new List<ScopedCounter>();
        var gate = Bounded.NewSignal();
        await using var services = new ServiceCollection()
            .AddScoped<ScopedCounter>()
            .AddSingleton(seen)
            .AddSingleton(gate)
            .BuildServiceProvider();

        var run = UmpHandlerTester.Start<int, string, TestError, GatedScopedHandler>(services, 1);

        Assert.False(run.Returned.IsCompleted);
        Assert.False(Assert.Single(seen).Disposed);
        gate.SetResult();
        Assert.Equal("done", (await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken)).Reply);
        Assert.True(seen[0].Disposed);
    }

    [Fact]
    public async Task RunAsync_FromServices_HandlerKeepsTheContextInItsOwnField_NoReplyOnceTheHandlerIsGone()
    {
        await using var services = new ServiceCollection().BuildServiceProvider();

        var outcome = await UmpHandlerTester.RunAsync<int, string, TestError, FieldKeepingHandler>(services, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
    }

    [Fact]
    public async Task Start_FromServices_MissingDependency_ThrowsAtOnce()
    {
        await using var services = new ServiceCollection().BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => UmpHandlerTester.Start<int, string, TestError, NeedsMissingServiceHandler>(services, 1));

        Assert.Contains(nameof(IFormatProvider), ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => UmpHandlerTester.RunAsync<int, string, TestError, NeedsMissingServiceHandler>(services, 1, TestToken));
    }

    [Fact]
    public async Task Cancel_HandlerThrowsItsOwnCancellation_CanceledWithTheHandlersException()
    {
        var handler = new LambdaHandler(async (_, _, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                throw new OperationCanceledException("the handler gave up", ct);
            }
        });

        var run = UmpHandlerTester.Start(handler, 1);
        run.Cancel();
        var returned = await run.Returned.Within();
        var outcome = await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Canceled, returned.Kind);
        Assert.Equal("the handler gave up", returned.Exception.Message);
        Assert.Same(returned, outcome);
    }
}
