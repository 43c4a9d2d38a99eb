using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Ump.Hosting;

namespace Ump.Testing.Tests;

/// <summary>Runs alone: each test relies on full collections that only the kit itself triggers while it runs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContextCollectionCollection
{
    public const string Name = "Context collection";
}

/// <summary>
/// Nothing in the kit keeps a reply context alive that the code under test let go of: a forgotten context is collected
/// and its caller gets NoReply, as under a hosted server; and a disposed fake leaves no unobserved task exception behind.
/// </summary>
[Collection(ContextCollectionCollection.Name)]
public sealed class ContextCollectionTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FakeWithHandler_HandlerForgetsTheContext_CallerGetsNoReplyOnceItIsCollected()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>(new LambdaHandler((_, _, _) => default));

        var call = fake.Client.RequestAsync(1).AsTask();
        await Bounded.CollectUntilCompleted(call);

        Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
    }

    [Fact]
    public async Task RunAsync_FilterKeepsItsContextAndReturnsWithoutAnswering_NoReply()
    {
        var filter = new ContextKeepingFilter();
        var handler = new LambdaHandler((_, reply, _) =>
        {
            reply.Reply("never reached");
            return default;
        });

        var outcome = await UmpHandlerTester.RunAsync(filter, handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
        Assert.NotNull(filter.Kept);
    }

    [Fact]
    public async Task RunAsync_AsyncHandlerUsesItsContextThenReturnsWithoutAnswering_NoReply()
    {
        var handler = new LambdaHandler(async (_, reply, _) =>
        {
            await Task.Yield();
            Assert.False(reply.RequestAborted.IsCancellationRequested);
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
    }

    [Fact]
    public async Task RunAsync_HandlerForgetsTheContext_NoReplyEveryTime()
    {
        var handler = new LambdaHandler((_, _, _) => default);

        for (var request = 0; request < 5; request++)
        {
            var outcome = await UmpHandlerTester.RunAsync(handler, request, TestToken);

            Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
        }
    }

    [Fact]
    public async Task RunAsync_ForgottenContextAlreadyInTheOldestGeneration_NoReply()
    {
        var handler = new LambdaHandler((_, reply, _) =>
        {
            // The context survives two full collections while the handler holds it: only a full collection finds it forgotten.
            GC.Collect();
            GC.Collect();
            GC.KeepAlive(reply);
            return default;
        });

        for (var request = 0; request < 3; request++)
        {
            var outcome = await UmpHandlerTester.RunAsync(handler, request, TestToken);

            Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
        }
    }

    [Fact]
    public async Task RunAsync_ContextLetGoOfOnlyAfterThreeCollections_StillNoReply()
    {
        var holder = new StrongBox<ReplyContext<string, TestError>>();
        var handler = new LambdaHandler((_, reply, _) =>
        {
            holder.Value = reply;
            return default;
        });
        StartCollectionCountdown(holder, collections: 3);

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.NoReply, outcome.Kind);
    }

    [Fact]
    public async Task Dispose_HoldNobodyWaitedOn_LeavesNoUnobservedTaskException()
    {
        var unobserved = new ConcurrentQueue<Exception>();
        void Record(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            foreach (var ex in e.Exception.InnerExceptions)
            {
                unobserved.Enqueue(ex);
            }
        }

        TaskScheduler.UnobservedTaskException += Record;
        try
        {
            await DisposeAFakeWithAnUnwaitedHoldAsync();
            for (var i = 0; i < 5; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= Record;
        }

        Assert.DoesNotContain(unobserved, ex => ex is ObjectDisposedException && ex.Message.Contains("FakeUmpServer", StringComparison.Ordinal));
    }

    // A frame of its own, so that nothing of the fake or its hold stays reachable from the test once it returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task DisposeAFakeWithAnUnwaitedHoldAsync()
    {
        var fake = new FakeUmpServer<int, string, TestError>();
        _ = fake.OnNext().Hold();
        return fake.DisposeAsync().AsTask().Within();
    }

    // Unreachable from the start: only the finalizer queue knows it, so each full collection runs its finalizer once.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StartCollectionCountdown(StrongBox<ReplyContext<string, TestError>> holder, int collections) =>
        _ = new CollectionCountdown(holder, collections);

    /// <summary>Keeps a reply context referenced through a number of full collections, then lets go of it.</summary>
    private sealed class CollectionCountdown(StrongBox<ReplyContext<string, TestError>> holder, int collections)
    {
        private int _left = collections;

        ~CollectionCountdown()
        {
            if (--_left > 0)
            {
                GC.ReRegisterForFinalize(this);
            }
            else
            {
                holder.Value = default;
            }
        }
    }

    private sealed class ContextKeepingFilter : IUmpFilter<int, string, TestError>
    {
        public UmpHandlerContext<int, string, TestError>? Kept { get; private set; }

        public ValueTask InvokeAsync(UmpHandlerContext<int, string, TestError> context, UmpHandlerDelegate<int, string, TestError> next)
        {
            Kept = context;
            return default;
        }
    }
}
