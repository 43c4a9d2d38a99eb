namespace Ump.Tests;

/// <summary>The edges of the Client and Server calls: tokens canceled up front, failures through the task, the threads continuations run on.</summary>
public sealed class ClientServerApiTests
{
    [Fact]
    public async Task Request_TokenAlreadyCanceled_ThrowsAndSendsNothing()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var wait = server.WaitAsync().AsTask();

        Assert.Throws<OperationCanceledException>(() => client.Request(1, new CancellationToken(canceled: true)));

        await AssertOnlyTheNextRequestArrives(server, client, wait);
    }

    [Fact]
    public async Task RequestAsync_TokenAlreadyCanceled_ReturnsACanceledTaskAndSendsNothing()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var wait = server.WaitAsync().AsTask();

        var call = client.RequestAsync(1, new CancellationToken(canceled: true));
        Assert.True(call.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.AsTask());

        await AssertOnlyTheNextRequestArrives(server, client, wait);
    }

    [Fact]
    public async Task Send_TokenAlreadyCanceled_ThrowsAndSendsNothing()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var wait = server.WaitAsync().AsTask();

        Assert.Throws<OperationCanceledException>(() => client.Send(1, new CancellationToken(canceled: true)));

        await AssertOnlyTheNextRequestArrives(server, client, wait);
    }

    [Fact]
    public async Task SendAsync_TokenAlreadyCanceled_ReturnsACanceledTaskAndSendsNothing()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var wait = server.WaitAsync().AsTask();

        var send = client.SendAsync(1, new CancellationToken(canceled: true));
        Assert.True(send.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.AsTask());

        await AssertOnlyTheNextRequestArrives(server, client, wait);
    }

    [Fact]
    public async Task Wait_TokenAlreadyCanceled_ThrowsAndLeavesTheQueuedRequest()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var call = client.RequestAsync(1).AsTask();

        Assert.Throws<OperationCanceledException>(() => server.Wait(new CancellationToken(canceled: true)));

        Assert.Equal(1, server.Count);
        var (request, reply) = server.Wait();
        Assert.Equal(1, request);
        reply.Reply(10);
        Assert.Equal(10, await call.Within());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Send_WaitedForRoom_CancelingItsTokenAfterwardsDoesNotGiveUpTheRequest(bool async)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var first = client.RequestAsync(1).AsTask();
        var send = async ? client.SendAsync(2, cts.Token).AsTask() : Bounded.OnThread(() => client.Send(2, cts.Token));
        await Bounded.StillPending(send);

        var (_, firstReply) = await server.WaitAsync().Within();
        using var waiting = await send.Within();

        // The token ended only the wait for room: the request stays queued.
        cts.Cancel();
        Assert.Equal(1, server.Count);
        Assert.True(server.TryWait(out var request, out var reply));
        Assert.Equal(2, request);
        Assert.False(reply.RequestAborted.IsCancellationRequested);

        firstReply.Reply(10);
        reply.Reply(20);
        Assert.Equal(10, await first.Within());
        Assert.Equal(20, await waiting.WaitAsync().Within());
    }

    [Fact]
    public async Task SendAsync_WaitingForRoom_DoesNotResumeOnTheCallersSynchronizationContext()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;

        using var first = await client.SendAsync(1).Within();
        var context = new RecordingContext();
        var send = await Bounded.OnThread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(context);
            return client.SendAsync(2).AsTask();
        }).Within();
        await Bounded.StillPending(send);

        var (_, reply) = await server.WaitAsync().Within();
        using var second = await send.Within();

        Assert.Equal(0, context.Posts);
        reply.Reply(1);
        Assert.Equal(1, await first.WaitAsync().Within());
    }

    [Fact]
    public async Task WaitAsync_NoMoreRequests_FailsThroughTheReturnedTask()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        client.Dispose();

        var wait = server.WaitAsync();

        Assert.True(wait.IsFaulted);
        var ex = await Assert.ThrowsAsync<UmpException>(() => wait.AsTask());
        Assert.Equal(UmpErrorKind.ClientsDisappeared, ex.Kind);
    }

    [Fact]
    public async Task WaitAsync_DisposedServer_FailsThroughTheReturnedTask()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedClient = client;
        server.Dispose();

        var wait = server.WaitAsync();

        Assert.True(wait.IsFaulted);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wait.AsTask());
    }

    [Fact]
    public async Task WaitAsync_RequestArrivesLater_TheServerDoesNotContinueOnTheSendersThread()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        var served = ServeOnceAsync(server.WaitAsync());
        await Bounded.StillPending(served);

        var (senderThread, call) = await Bounded.OnThread(() => (Environment.CurrentManagedThreadId, client.RequestAsync(1).AsTask())).Within();

        Assert.NotEqual(senderThread, await served.Within());
        Assert.Equal(1, await call.Within());
    }

    /// <summary>Awaits one request without capturing any context, answers it, and returns the thread it continued on.</summary>
    private static async Task<int> ServeOnceAsync(ValueTask<(int Request, ReplyContext<int, NoError> Reply)> wait)
    {
        var (request, reply) = await wait.ConfigureAwait(false);
        var thread = Environment.CurrentManagedThreadId;
        reply.Reply(request);
        return thread;
    }

    /// <summary>Asserts that the server's pending wait is still empty, then that the next request sent is the one it gets.</summary>
    private static async Task AssertOnlyTheNextRequestArrives(Server<int, int, NoError> server, Client<int, int, NoError> client, Task<(int Request, ReplyContext<int, NoError> Reply)> wait)
    {
        await Bounded.StillPending(wait);
        Assert.Equal(0, server.Count);

        var call = client.RequestAsync(2).AsTask();
        var (request, reply) = await wait.Within();
        Assert.Equal(2, request);
        reply.Reply(20);
        Assert.Equal(20, await call.Within());
    }

    private sealed class RecordingContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            base.Post(d, state);
        }

        public override void Send(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            base.Send(d, state);
        }
    }
}
