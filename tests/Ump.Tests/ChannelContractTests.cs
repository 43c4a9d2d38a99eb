using System.Runtime.CompilerServices;

namespace Ump.Tests;

/// <summary>
/// The semantics table of DESIGN.md, one test (or theory over every caller and server style) per row.
/// Runs once per channel variant: see the derived classes at the end of the file.
/// </summary>
public abstract class ChannelContractTests
{
    protected abstract UmpChannelOptions? CreateOptions();

    protected (Server<int, string, string> Server, Client<int, string, string> Client) Create() =>
        UmpChannel.Create<int, string, string>(CreateOptions());

    [Theory]
    [MemberData(nameof(Modes.AllPairs), MemberType = typeof(Modes))]
    public async Task Request_ServerReplies_CallerGetsReply(Caller caller, Serve serve)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.Call(caller, 42);
        var (request, reply) = await server.Take(serve).Within();
        Assert.Equal(42, request);
        Assert.True(reply.Reply("forty-two"));

        Assert.Equal("forty-two", await call.Within());
    }

    [Theory]
    [MemberData(nameof(Modes.AllPairs), MemberType = typeof(Modes))]
    public async Task Request_ServerFails_CallerGetsAppError(Caller caller, Serve serve)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.Call(caller, 7);
        var (_, reply) = await server.Take(serve).Within();
        Assert.True(reply.Fail("no such thing"));

        var ex = await Assert.ThrowsAsync<UmpException<string>>(() => call.Within());
        Assert.Equal("no such thing", ex.Error);
        Assert.Equal(UmpErrorKind.App, ex.Kind);
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task ReplyContext_DisposedWithoutReply_CallerGetsNoReply(Caller caller)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.Call(caller, 1);
        var (_, reply) = await server.WaitAsync().Within();
        reply.Dispose();
        reply.Dispose();

        var ex = await Assert.ThrowsAsync<UmpException>(() => call.Within());
        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.Null(ex.InnerException);
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task ReplyContext_GarbageCollectedWithoutReply_CallerGetsNoReply(Caller caller)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.Call(caller, 1);
        await TakeAndForget(server);

        await Bounded.CollectUntilCompleted(call);

        var ex = await Assert.ThrowsAsync<UmpException>(() => call.Within());
        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        // The caller learns the context was collected, not abandoned: the handler lost it without answering.
        Assert.Contains("garbage-collected without Reply or Fail", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerWaitAsyncDroppedUnawaited_RequestHandedToIt_CallerGetsNoReply()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        StartWaitAndDropIt(server);
        var call = client.RequestAsync(1).AsTask();
        await Bounded.CollectUntilCompleted(call);

        Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StartWaitAndDropIt(Server<int, string, string> server) => _ = server.WaitAsync();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task TakeAndForget(Server<int, string, string> server)
    {
        var (request, _) = await server.WaitAsync().Within();
        Assert.Equal(1, request);
    }

    [Fact]
    public async Task ReplyContext_Abandon_CallerGetsNoReplyWithReason()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        var reason = new InvalidDataException("handler broke");
        Assert.True(reply.Abandon(reason));

        var ex = await Assert.ThrowsAsync<UmpException>(() => call.Within());
        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.Same(reason, ex.InnerException);
    }

    [Fact]
    public async Task ReplyContext_AbandonAsServerDisappeared_CallerGetsServerDisappeared()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        Assert.Throws<ArgumentOutOfRangeException>(() => reply.Abandon(UmpErrorKind.App, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => reply.Abandon(UmpErrorKind.ClientsDisappeared, null));
        Assert.True(reply.IsPending);
        Assert.True(reply.Abandon(UmpErrorKind.ServerDisappeared, null));
        Assert.False(reply.IsPending);

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
    }

    [Fact]
    public void DefaultReplyContext_Misused_ThrowsInvalidOperation_DisposeIsANoOp()
    {
        var reply = default(ReplyContext<string, string>);
        Assert.Throws<InvalidOperationException>(() => reply.Reply("x"));
        Assert.Throws<InvalidOperationException>(() => reply.Fail("x"));
        Assert.Throws<InvalidOperationException>(() => reply.Abandon(null));
        Assert.False(reply.IsPending);
        Assert.Equal(CancellationToken.None, reply.RequestAborted);
        reply.Dispose();
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task ServerDisposed_WhileRequestsQueued_EachCallerGetsServerDisappeared(Caller caller)
    {
        var (server, client) = Create();
        using var ownedClient = client;

        var calls = Enumerable.Range(0, 5).Select(i => client.Call(caller, i)).ToArray();
        await Bounded.Until(() => server.Count == 5 || calls.Any(c => c.IsCompleted), "all five requests are queued");
        server.Dispose();

        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<UmpException>(() => call.Within());
            Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        }
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task Request_AfterServerDisposed_FailsAtOnceWithServerDisappeared(Caller caller)
    {
        var (server, client) = Create();
        using var ownedClient = client;
        server.Dispose();

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.Call(caller, 1).Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
    }

    [Fact]
    public void RequestAsync_AfterServerDisposed_FailsThroughTheTask()
    {
        var (server, client) = Create();
        using var ownedClient = client;
        server.Dispose();

        var task = client.RequestAsync(1);
        Assert.True(task.IsFaulted);
        var ex = Assert.Throws<UmpException>(() => task.GetAwaiter().GetResult());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task ServerDisposed_WhileReplyContextInFlight_ReplyStillReachesCaller(Caller caller)
    {
        var (server, client) = Create();
        using var ownedClient = client;

        var call = client.Call(caller, 5);
        var (_, reply) = await server.WaitAsync().Within();
        server.Dispose();

        Assert.True(reply.Reply("after dispose"));
        Assert.Equal("after dispose", await call.Within());
    }

    [Theory]
    [MemberData(nameof(Modes.AllServes), MemberType = typeof(Modes))]
    public async Task AllStrongClientsDisposed_ServerReceivesQueuedInOrder_ThenClientsDisappeared(Serve serve)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        var weak = client.Weak();
        var clone = client.Clone();

        var calls = Enumerable.Range(0, 3).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        client.Dispose();
        clone.Dispose();

        for (var i = 0; i < 3; i++)
        {
            var (request, reply) = await server.Take(serve).Within();
            Assert.Equal(i, request);
            reply.Reply($"r{i}");
        }

        Assert.Equal(["r0", "r1", "r2"], await Task.WhenAll(calls).Within());
        Assert.NotNull(weak);

        var ex = serve switch
        {
            Serve.Wait => Assert.Throws<UmpException>(() => server.Wait()),
            Serve.WaitAsync => await Assert.ThrowsAsync<UmpException>(() => server.WaitAsync().Within()),
            _ => Assert.Throws<UmpException>(() => server.TryWait(out _, out _)),
        };
        Assert.Equal(UmpErrorKind.ClientsDisappeared, ex.Kind);
        Assert.Null(weak.Upgrade());
    }

    [Theory]
    [InlineData(Serve.Wait)]
    [InlineData(Serve.WaitAsync)]
    public async Task LastStrongClientDisposed_WhileServerWaits_WaitFailsWithClientsDisappeared(Serve serve)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        var weak = client.Weak();

        var wait = server.Take(serve);
        await Bounded.StillPending(wait);
        client.Dispose();

        var ex = await Assert.ThrowsAsync<UmpException>(() => wait.Within());
        Assert.Equal(UmpErrorKind.ClientsDisappeared, ex.Kind);
        GC.KeepAlive(weak);
    }

    [Theory]
    [MemberData(nameof(Modes.AllServes), MemberType = typeof(Modes))]
    public async Task Complete_RequestsQueued_DeliveredInOrderThenClientsDisappeared(Serve serve)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var calls = Enumerable.Range(0, 3).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        server.Complete();
        Assert.Equal(3, server.Count);

        for (var i = 0; i < 3; i++)
        {
            var (request, reply) = await server.Take(serve).Within();
            Assert.Equal(i, request);
            Assert.True(reply.Reply($"r{i}"));
        }

        Assert.Equal(["r0", "r1", "r2"], await Task.WhenAll(calls).Within());
        Assert.Equal(0, server.Count);
        var ex = serve switch
        {
            Serve.Wait => Assert.Throws<UmpException>(() => server.Wait()),
            Serve.WaitAsync => await Assert.ThrowsAsync<UmpException>(() => server.WaitAsync().Within()),
            _ => Assert.Throws<UmpException>(() => server.TryWait(out _, out _)),
        };
        Assert.Equal(UmpErrorKind.ClientsDisappeared, ex.Kind);
        Assert.Contains("Complete", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task Complete_ThenRequest_FailsAtOnceWithServerDisappeared(Caller caller)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;
        var queued = client.RequestAsync(1).AsTask();
        server.Complete();

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.Call(caller, 2).Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);

        // The request queued before the drain is still there, alone.
        var (request, reply) = await server.WaitAsync().Within();
        Assert.Equal(1, request);
        reply.Reply("one");
        Assert.Equal("one", await queued.Within());
        Assert.Throws<UmpException>(() => server.TryWait(out _, out _));
    }

    [Fact]
    public void Complete_ThenRequestAsync_FailsThroughTheTask()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;
        server.Complete();

        var task = client.RequestAsync(1);
        Assert.True(task.IsFaulted);
        Assert.Equal(UmpErrorKind.ServerDisappeared, Assert.Throws<UmpException>(() => task.GetAwaiter().GetResult()).Kind);
    }

    [Theory]
    [InlineData(Serve.Wait)]
    [InlineData(Serve.WaitAsync)]
    public async Task Complete_WhileServerWaitsOnEmptyQueue_WaitFailsWithClientsDisappeared(Serve serve)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var wait = server.Take(serve);
        await Bounded.StillPending(wait);
        server.Complete();

        Assert.Equal(UmpErrorKind.ClientsDisappeared, (await Assert.ThrowsAsync<UmpException>(() => wait.Within())).Kind);
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task Complete_CallerGivesUpOnQueuedRequest_WithdrawnAndNeverDelivered(Caller caller)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var canceled = client.Call(caller, 1, cts.Token);
        await Bounded.Until(() => server.Count == 1, "the request is queued");
        var kept = client.RequestAsync(2).AsTask();
        server.Complete();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Within());
        Assert.Equal(1, server.Count);

        var (request, reply) = await server.WaitAsync().Within();
        Assert.Equal(2, request);
        reply.Reply("two");
        Assert.Equal("two", await kept.Within());
        Assert.Throws<UmpException>(() => server.TryWait(out _, out _));
    }

    [Fact]
    public async Task Complete_Twice_ThenDispose_QueuedCallersGetServerDisappeared()
    {
        var (server, client) = Create();
        using var ownedClient = client;
        var calls = Enumerable.Range(0, 2).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        server.Complete();
        server.Complete();
        Assert.Equal(2, server.Count);

        server.Dispose();
        server.Complete();

        foreach (var call in calls)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }

        Assert.Throws<ObjectDisposedException>(() => server.TryWait(out _, out _));
    }

    [Fact]
    public async Task Complete_WhileReplyContextInFlight_ReplyStillReachesCaller()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(5).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        server.Complete();

        Assert.True(reply.Reply("after complete"));
        Assert.Equal("after complete", await call.Within());
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task ReplyContext_Abort_CallerGetsServerDisappeared_LaterReplyReturnsFalse(Caller caller)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.Call(caller, 1);
        var (_, reply) = await server.WaitAsync().Within();
        var aborted = reply.RequestAborted;
        var reason = new TimeoutException("drain deadline");
        Assert.True(reply.Abort(reason));

        var ex = await Assert.ThrowsAsync<UmpException>(() => call.Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        Assert.Same(reason, ex.InnerException);
        Assert.False(aborted.IsCancellationRequested, "RequestAborted reports the caller giving up, not the server.");
        Assert.False(reply.Abort(null));
        Assert.False(reply.Reply("late"));
        Assert.Throws<InvalidOperationException>(() => reply.Reply("twice"));
    }

    [Fact]
    public async Task ReplyContext_Abort_LaterFailOrAbandon_ReturnFalse_DisposeIsANoOp()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var calls = new[] { client.RequestAsync(1).AsTask(), client.RequestAsync(2).AsTask() };
        var (_, first) = await server.WaitAsync().Within();
        var (_, second) = await server.WaitAsync().Within();
        Assert.True(first.Abort());
        Assert.True(second.Abort());

        Assert.False(first.Fail("late"));
        Assert.False(second.Abandon(new InvalidOperationException("late")));
        first.Dispose();
        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<UmpException>(() => call.Within());
            Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
            Assert.Null(ex.InnerException);
        }
    }

    [Fact]
    public async Task ReplyContext_AbortAfterReply_ReturnsFalse_ReplyStands()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        Assert.True(reply.Reply("first"));

        Assert.False(reply.Abort());
        Assert.Equal("first", await call.Within());
        Assert.Throws<InvalidOperationException>(() => default(ReplyContext<string, string>).Abort());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task SeveralServersWaiting_ServedInTheOrderTheyStarted_ACanceledOneIsSkipped(int canceled)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;
        var sources = new[] { new CancellationTokenSource(), new CancellationTokenSource(), new CancellationTokenSource() };

        // Async waits register in the call itself, so their order is the order of these calls.
        var waits = sources.Select(source => server.WaitAsync(source.Token).AsTask()).ToArray();
        if (canceled >= 0)
        {
            await sources[canceled].CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waits[canceled].Within());
        }

        var live = waits.Where((_, i) => i != canceled).ToArray();
        var calls = Enumerable.Range(0, live.Length).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        for (var i = 0; i < live.Length; i++)
        {
            var (request, reply) = await live[i].Within();
            Assert.Equal(i, request);
            reply.Reply(request.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        string[] expected = ["0", "1", "2"];
        Assert.Equal(expected[..live.Length], await Task.WhenAll(calls).Within());
        foreach (var source in sources)
        {
            source.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SeveralServersWaiting_LastClientLeavesOrServerDisposed_EveryWaitFails(bool disposeServer)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        var waits = Enumerable.Range(0, 3).Select(_ => server.WaitAsync().AsTask()).ToArray();
        await Bounded.StillPending(Task.WhenAny(waits));

        if (disposeServer)
        {
            server.Dispose();
            foreach (var wait in waits)
            {
                await Assert.ThrowsAsync<ObjectDisposedException>(() => wait.Within());
            }
        }
        else
        {
            client.Dispose();
            foreach (var wait in waits)
            {
                Assert.Equal(UmpErrorKind.ClientsDisappeared, (await Assert.ThrowsAsync<UmpException>(() => wait.Within())).Kind);
            }
        }

        client.Dispose();
    }

    [Fact]
    public async Task WeakClient_DoesNotKeepClientsAlive()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        var weak = client.Weak();
        client.Dispose();

        var ex = await Assert.ThrowsAsync<UmpException>(() => server.WaitAsync().Within());
        Assert.Equal(UmpErrorKind.ClientsDisappeared, ex.Kind);
        Assert.Null(weak.Upgrade());
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task ClientDisposed_WithOutstandingRequests_TheyCompleteNormally(Caller caller)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var keepAlive = client.Clone();
        var own = client.Clone();

        var call = own.Call(caller, 3);
        var (request, reply) = await server.WaitAsync().Within();
        own.Dispose();
        reply.Reply("still here");

        Assert.Equal(3, request);
        Assert.Equal("still here", await call.Within());
    }

    [Fact]
    public async Task ReplyTwice_Throws_FirstOutcomeStands()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        Assert.True(reply.Reply("first"));
        Assert.Throws<InvalidOperationException>(() => reply.Reply("second"));
        Assert.Throws<InvalidOperationException>(() => reply.Fail("third"));
        Assert.Throws<InvalidOperationException>(() => reply.Abandon(null));
        reply.Dispose();

        Assert.Equal("first", await call.Within());
    }

    [Fact]
    public async Task FailThenReply_Throws_FirstOutcomeStands()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        Assert.True(reply.Fail("first"));
        Assert.Throws<InvalidOperationException>(() => reply.Reply("second"));

        Assert.Equal("first", (await Assert.ThrowsAsync<UmpException<string>>(() => call.Within())).Error);
    }

    [Fact]
    public async Task ReplyAfterDispose_Throws_CallerKeepsNoReply()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        reply.Dispose();
        Assert.Throws<InvalidOperationException>(() => reply.Reply("late"));
        Assert.Throws<InvalidOperationException>(() => reply.Fail("late"));

        Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
    }

    [Fact]
    public async Task ReplyContext_CopyFromFinishedRequest_CannotAnswerANewerRequest()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        // Many rounds so that pooled contexts are certainly reused.
        for (var i = 0; i < 100; i++)
        {
            var first = client.RequestAsync(i).AsTask();
            var (_, stale) = await server.WaitAsync().Within();
            stale.Reply($"a{i}");
            Assert.Equal($"a{i}", await first.Within());

            var second = client.RequestAsync(i).AsTask();
            var (_, current) = await server.WaitAsync().Within();
            Assert.False(stale.IsPending);
            Assert.Throws<InvalidOperationException>(() => stale.Reply("wrong"));
            Assert.Throws<InvalidOperationException>(() => stale.Fail("wrong"));
            stale.Dispose();
            Assert.Equal(CancellationToken.None, stale.RequestAborted);

            Assert.True(current.IsPending);
            Assert.True(current.Reply($"b{i}"));
            Assert.Equal($"b{i}", await second.Within());
        }
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task CallerCancels_BeforeServerTakesRequest_RequestIsWithdrawn(Caller caller)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var canceled = client.Call(caller, 1, cts.Token);
        await Bounded.Until(() => server.Count == 1, "the request is queued");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Within());
        Assert.Equal(0, server.Count);

        var next = client.RequestAsync(2).AsTask();
        var (request, reply) = await server.WaitAsync().Within();
        Assert.Equal(2, request);
        reply.Reply("two");
        Assert.Equal("two", await next.Within());
        Assert.False(server.TryWait(out _, out _));
    }

    [Fact]
    public async Task CallersCancel_EveryQueuedRequest_TheQueueKeepsNoneOfThem()
    {
        var (server, client) = UmpChannel.Create<object, string, string>(CreateOptions());
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var (calls, requests) = SendUnreferencedRequests(client, 3, cts.Token);
        Assert.Equal(3, server.Count);
        cts.Cancel();
        foreach (var call in calls)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        }

        Assert.Equal(0, server.Count);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(requests, r => Assert.False(r.IsAlive, "A withdrawn request is still held by the channel."));
        Assert.False(server.TryWait(out _, out _));
    }

    /// <summary>Sends requests that only the channel references (in a frame of their own), with weak references to watch them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static (Task<TReply>[] Calls, WeakReference[] Requests) SendUnreferencedRequests<TReply, TErr>(
        Client<object, TReply, TErr> client, int count, CancellationToken cancellationToken)
    {
        var calls = new Task<TReply>[count];
        var requests = new WeakReference[count];
        for (var i = 0; i < count; i++)
        {
            var request = new object();
            requests[i] = new WeakReference(request);
            calls[i] = client.RequestAsync(request, cancellationToken).AsTask();
        }

        return (calls, requests);
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task CallerCancels_AfterServerTookRequest_CallerReleasedAtOnce_RequestAbortedFires(Caller caller)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var call = client.Call(caller, 1, cts.Token);
        var (_, reply) = await server.WaitAsync().Within();
        var aborted = Bounded.NewSignal();
        reply.RequestAborted.Register(() => aborted.TrySetResult());

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        await aborted.Task.Within();

        Assert.False(reply.Reply("too late"));
        Assert.Throws<InvalidOperationException>(() => reply.Reply("again"));
        reply.Dispose();
    }

    [Fact]
    public async Task CallerCancels_AfterPickup_RequestAbortedReadLater_IsCanceled()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var call = client.RequestAsync(1, cts.Token).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());

        Assert.True(reply.RequestAborted.IsCancellationRequested);
        Assert.False(reply.Fail("too late"));
    }

    [Fact]
    public async Task WaitReplyDisposed_BeforePickup_RequestIsWithdrawn()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var abandoned = client.Send(1);
        abandoned.Dispose();
        Assert.Throws<ObjectDisposedException>(() => abandoned.Wait());

        var next = client.RequestAsync(2).AsTask();
        var (request, reply) = await server.WaitAsync().Within();
        Assert.Equal(2, request);
        reply.Reply("two");
        Assert.Equal("two", await next.Within());
    }

    [Fact]
    public async Task WaitReplyDisposed_AfterPickup_RequestAbortedFires_ReplyReturnsFalse()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var pending = await client.SendAsync(1).Within();
        var (_, reply) = await server.WaitAsync().Within();
        var aborted = Bounded.NewSignal();
        reply.RequestAborted.Register(() => aborted.TrySetResult());

        pending.Dispose();
        await aborted.Task.Within();
        Assert.False(reply.Reply("nobody listens"));
    }

    [Fact]
    public async Task WaitReplyDisposed_DuringAWait_EndsTheWait()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var pending = client.Send(1);
        var wait = pending.WaitAsync().AsTask();
        await Bounded.StillPending(wait);
        pending.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.Within());
    }

    [Fact]
    public async Task WaitReply_WaitedAfterReply_ReturnsIt_ThenDisposeIsANoOp()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var pending = client.Send(9);
        var (request, reply) = await server.WaitAsync().Within();
        reply.Reply("nine");
        Assert.Equal("nine", await pending);
        pending.Dispose();
        Assert.Throws<InvalidOperationException>(() => pending.Wait());
        Assert.Equal(9, request);
    }

    [Fact]
    public async Task ClonedClient_SameServer_Independent()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        var clone = client.Clone();

        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.Request(1));

        var call = clone.RequestAsync(8).AsTask();
        var (request, reply) = await server.WaitAsync().Within();
        reply.Reply("from clone");
        Assert.Equal(8, request);
        Assert.Equal("from clone", await call.Within());
        clone.Dispose();
    }

    [Fact]
    public async Task DisposedClient_Used_ThrowsObjectDisposed()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var keep = client.Clone();
        client.Dispose();
        client.Dispose();

        Assert.Throws<ObjectDisposedException>(() => client.Request(1));
        Assert.Throws<ObjectDisposedException>(() => client.Send(1));
        Assert.Throws<ObjectDisposedException>(() => client.Clone());
        Assert.Throws<ObjectDisposedException>(() => client.Weak());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.RequestAsync(1).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SendAsync(1).AsTask());
    }

    [Fact]
    public async Task DisposedServer_Used_ThrowsObjectDisposed()
    {
        var (server, client) = Create();
        using var ownedClient = client;
        server.Dispose();
        server.Dispose();

        Assert.Throws<ObjectDisposedException>(() => server.Wait());
        Assert.Throws<ObjectDisposedException>(() => server.TryWait(out _, out _));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.WaitAsync().AsTask());
    }

    [Theory]
    [InlineData(Serve.Wait)]
    [InlineData(Serve.WaitAsync)]
    public async Task ServerDisposed_WhileWaiting_WaitFailsWithObjectDisposed(Serve serve)
    {
        var (server, client) = Create();
        using var ownedClient = client;
        var wait = server.Take(serve);
        await Bounded.StillPending(wait);

        server.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wait.Within());
    }

    [Fact]
    public async Task WeakClientUpgrade_StrongClientsLiveButServerGone_RequestsFailWithServerDisappeared()
    {
        var (server, client) = Create();
        using var ownedClient = client;
        var weak = client.Weak();
        server.Dispose();

        using var upgraded = weak.Upgrade();
        Assert.NotNull(upgraded);
        var ex = await Assert.ThrowsAsync<UmpException>(() => upgraded.RequestAsync(1).AsTask());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
    }

    [Fact]
    public async Task WeakClientUpgrade_GivesAWorkingStrongClient()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        var weak = client.Weak();
        using var upgraded = weak.Upgrade()!;
        client.Dispose();

        var call = upgraded.RequestAsync(4).AsTask();
        var (request, reply) = await server.WaitAsync().Within();
        reply.Reply("four");
        Assert.Equal(4, request);
        Assert.Equal("four", await call.Within());
    }

    [Theory]
    [InlineData(Serve.Wait)]
    [InlineData(Serve.WaitAsync)]
    public async Task ServerWaitCanceled_NoRequestIsLost(Serve serve)
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var wait = server.Take(serve, cts.Token);
        await Bounded.StillPending(wait);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.Within());

        var call = client.RequestAsync(6).AsTask();
        var (request, reply) = await server.WaitAsync().Within();
        reply.Reply("six");
        Assert.Equal(6, request);
        Assert.Equal("six", await call.Within());
    }

    [Fact]
    public async Task Queue_IsFifo()
    {
        var (server, client) = Create();
        using var ownedServer = server;
        using var ownedClient = client;

        var calls = Enumerable.Range(0, 50).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        for (var i = 0; i < 50; i++)
        {
            var (request, reply) = await server.WaitAsync().Within();
            Assert.Equal(i, request);
            reply.Reply(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await Task.WhenAll(calls).Within();
    }

    [Fact]
    public async Task Server_Finalized_QueuedCallersGetServerDisappeared()
    {
        var client = CreateAndDropServer(CreateOptions());
        var call = client.RequestAsync(1).AsTask();

        await Bounded.CollectUntilCompleted(call);

        var ex = await Assert.ThrowsAsync<UmpException>(() => call.Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        client.Dispose();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Client<int, string, string> CreateAndDropServer(UmpChannelOptions? options) =>
        UmpChannel.Create<int, string, string>(options).Client;

    [Fact]
    public async Task NullRequest_IsPassedThrough()
    {
        var (server, client) = UmpChannel.Create<string?, string?, NoError>(CreateOptions());
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(null).AsTask();
        var (request, reply) = await server.WaitAsync().Within();
        Assert.Null(request);
        reply.Reply(null);
        Assert.Null(await call.Within());
    }
}

public sealed class UnboundedChannelTests : ChannelContractTests
{
    protected override UmpChannelOptions? CreateOptions() => null;
}

public sealed class BoundedChannelTests : ChannelContractTests
{
    protected override UmpChannelOptions? CreateOptions() => new() { Capacity = 64 };
}

public sealed class TimedChannelTests : ChannelContractTests
{
    // A timeout that never passes during a test, so the timer path is exercised on every request.
    protected override UmpChannelOptions? CreateOptions() => new() { RequestTimeout = TimeSpan.FromHours(1) };
}
