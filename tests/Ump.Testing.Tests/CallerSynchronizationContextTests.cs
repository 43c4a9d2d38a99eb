using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting;

namespace Ump.Testing.Tests;

/// <summary>
/// The kit never resumes on its caller's synchronization context: started from a thread that then stays blocked (a UI
/// thread, a legacy request context), its waits, runs and disposal still complete.
/// </summary>
public sealed class CallerSynchronizationContextTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HoldWaitForRequest_StartedOnABlockedContext_Completes()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext().Hold();
        var waiting = BlockedSynchronizationContext.Start(() => hold.WaitForRequestAsync(Bounded.Timeout, TestToken));
        await Bounded.StillPending(waiting);

        var call = fake.Client.RequestAsync(7).AsTask();

        Assert.Equal(7, await waiting.Within());
        hold.Reply("released");
        Assert.Equal("released", await call.Within());
    }

    [Fact]
    public async Task FakeWaitForRequests_StartedOnABlockedContext_Completes()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(n => "x");
        var waiting = BlockedSynchronizationContext.Start(() => fake.WaitForRequestsAsync(1, Bounded.Timeout, TestToken));
        await Bounded.StillPending(waiting);

        await fake.Client.RequestAsync(3).Within();

        Assert.Equal([3], await waiting.Within());
    }

    [Fact]
    public async Task FakeDisposeAsync_StartedOnABlockedContext_CompletesOnceTheLoopEnds()
    {
        var entered = Bounded.NewSignal();
        var gate = new ManualResetEventSlim();
        var fake = new FakeUmpServer<int, string, TestError>();
        fake.OnNext().Reply(_ =>
        {
            entered.SetResult();
            gate.Wait(Bounded.Timeout);
            return "scripted";
        });
        var call = fake.Client.RequestAsync(1).AsTask();
        await entered.Task.Within();

        var disposing = BlockedSynchronizationContext.Start(() => fake.DisposeAsync().AsTask());
        gate.Set();

        await disposing.Within();
        Assert.Equal("scripted", await call.Within());
    }

    [Fact]
    public async Task Start_HandlerRepliesAtOnce_OnABlockedContext_ReturnedCompletes()
    {
        var handler = new LambdaHandler((n, reply, _) =>
        {
            reply.Reply($"r{n}");
            return default;
        });

        var run = BlockedSynchronizationContext.Start(() => UmpHandlerTester.Start(handler, 1));

        Assert.Equal("r1", (await run.Returned.Within()).Reply);
        Assert.Equal("r1", (await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken)).Reply);
    }

    [Fact]
    public async Task Start_AsyncHandler_OnABlockedContext_ReturnedAndOutcomeComplete()
    {
        var gate = Bounded.NewSignal();
        var handler = new LambdaHandler(async (n, reply, ct) =>
        {
            await gate.Task.WaitAsync(ct).ConfigureAwait(false);
            reply.Reply($"late {n}");
        });

        var (run, waiting) = BlockedSynchronizationContext.Start(() =>
        {
            var started = UmpHandlerTester.Start(handler, 2);
            return (started, started.WaitForOutcomeAsync(Bounded.Timeout, TestToken));
        });
        Assert.False(run.Returned.IsCompleted);
        gate.SetResult();

        Assert.Equal("late 2", (await run.Returned.Within()).Reply);
        Assert.Equal("late 2", (await waiting.Within()).Reply);
    }

    [Fact]
    public async Task Start_HandlerDefers_OnABlockedContext_ReturnedIsPending()
    {
        var handler = new DeferringHandler();

        var run = BlockedSynchronizationContext.Start(() => UmpHandlerTester.Start(handler, 3));

        Assert.Equal(UmpHandlerOutcomeKind.Pending, (await run.Returned.Within()).Kind);
        handler.Deferred[0].Reply("deferred");
        Assert.Equal("deferred", (await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken)).Reply);
    }

    [Fact]
    public async Task RunAsync_AsyncHandler_OnABlockedContext_Completes()
    {
        var gate = Bounded.NewSignal();
        var handler = new LambdaHandler(async (n, reply, ct) =>
        {
            await gate.Task.WaitAsync(ct).ConfigureAwait(false);
            reply.Reply($"ran {n}");
        });

        var running = BlockedSynchronizationContext.Start(() => UmpHandlerTester.RunAsync(handler, 4, TestToken));
        gate.SetResult();

        Assert.Equal("ran 4", (await running.Within()).Reply);
    }

    [Fact]
    public async Task Start_AsyncFilter_OnABlockedContext_Completes()
    {
        var gate = Bounded.NewSignal();
        var filter = new GatedFilter(gate.Task);
        var handler = new LambdaHandler((n, reply, _) =>
        {
            reply.Reply($"filtered {n}");
            return default;
        });

        var run = BlockedSynchronizationContext.Start(() => UmpHandlerTester.Start(filter, handler, 5));
        gate.SetResult();

        Assert.Equal("filtered 5", (await run.Returned.Within()).Reply);
    }

    [Fact]
    public async Task Start_FromServices_AsyncHandler_OnABlockedContext_Completes()
    {
        var gate = Bounded.NewSignal();
        await using var services = new ServiceCollection().AddSingleton(gate).BuildServiceProvider();

        var run = BlockedSynchronizationContext.Start(() => UmpHandlerTester.Start<int, string, TestError, GateAwaitingHandler>(services, 6));
        gate.SetResult();

        Assert.Equal("gated 6", (await run.Returned.Within()).Reply);
    }

    [Fact]
    public async Task Start_FromServices_ScopeDisposesAsynchronously_OnABlockedContext_Completes()
    {
        var gate = Bounded.NewSignal();
        await using var services = new ServiceCollection()
            .AddSingleton(gate)
            .AddScoped<SlowAsyncDisposable>()
            .BuildServiceProvider();

        var run = BlockedSynchronizationContext.Start(() => UmpHandlerTester.Start<int, string, TestError, SlowScopeHandler>(services, 7));
        Assert.False(run.Returned.IsCompleted);
        gate.SetResult();

        Assert.Equal("scoped 7", (await run.Returned.Within()).Reply);
    }

    [Fact]
    public async Task Start_FromServices_HandlerDisposesAsynchronously_OnABlockedContext_Completes()
    {
        var gate = Bounded.NewSignal();
        await using var services = new ServiceCollection().AddSingleton(gate).BuildServiceProvider();

        var run = BlockedSynchronizationContext.Start(() => UmpHandlerTester.Start<int, string, TestError, SlowlyDisposedHandler>(services, 8));
        Assert.False(run.Returned.IsCompleted);
        gate.SetResult();

        Assert.Equal("disposed later 8", (await run.Returned.Within()).Reply);
    }

    private sealed class GatedFilter(Task gate) : IUmpFilter<int, string, TestError>
    {
        public async ValueTask InvokeAsync(UmpHandlerContext<int, string, TestError> context, UmpHandlerDelegate<int, string, TestError> next)
        {
            await gate.ConfigureAwait(false);
            await next(context).ConfigureAwait(false);
        }
    }
}

/// <summary>Replies once the test opens its gate; never resumes on its caller's context.</summary>
internal sealed class GateAwaitingHandler(TaskCompletionSource gate) : IUmpHandler<int, string, TestError>
{
    public async ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        await gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        reply.Reply($"gated {request}");
    }
}

/// <summary>A scoped dependency whose asynchronous disposal waits for the test's gate.</summary>
internal sealed class SlowAsyncDisposable(TaskCompletionSource gate) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await gate.Task.ConfigureAwait(false);
}

/// <summary>Replies at once, with a dependency the scope disposes slowly.</summary>
internal sealed class SlowScopeHandler(SlowAsyncDisposable dependency) : IUmpHandler<int, string, TestError>
{
    public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        GC.KeepAlive(dependency);
        reply.Reply($"scoped {request}");
        return default;
    }
}

/// <summary>Replies at once; its own asynchronous disposal waits for the test's gate.</summary>
internal sealed class SlowlyDisposedHandler(TaskCompletionSource gate) : IUmpHandler<int, string, TestError>, IAsyncDisposable
{
    public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        reply.Reply($"disposed later {request}");
        return default;
    }

    public async ValueTask DisposeAsync() => await gate.Task.ConfigureAwait(false);
}
