namespace Ump.Tests;

/// <summary>The queues behind a channel: waiting servers leaving from the middle, and senders waiting for room.</summary>
public sealed class QueueTests
{
    [Fact]
    public async Task WaitingServers_OneCanceledFromTheMiddleOfAWrappedQueue_TheOthersAreServedInOrder()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var tokens = Enumerable.Range(0, 7).Select(_ => new CancellationTokenSource()).ToArray();
        try
        {
            // Five waits first, then one served: the queue behind the first waiting server has moved on and wraps
            // around once a sixth waits.
            var waits = new Task<(int Request, ReplyContext<int, NoError> Reply)>[7];
            for (var i = 0; i < 5; i++)
            {
                waits[i] = server.WaitAsync(tokens[i].Token).AsTask();
            }

            var calls = new List<Task<int>> { client.RequestAsync(1).AsTask() };
            waits[5] = server.WaitAsync(tokens[5].Token).AsTask();

            // The fourth wait leaves from the middle; a seventh then queues behind the rest.
            tokens[3].Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waits[3].Within());
            waits[6] = server.WaitAsync(tokens[6].Token).AsTask();

            for (var request = 2; request <= 6; request++)
            {
                calls.Add(client.RequestAsync(request).AsTask());
            }

            int[] servedBy = [0, 1, 2, 4, 5, 6];
            for (var request = 1; request <= 6; request++)
            {
                var (got, reply) = await waits[servedBy[request - 1]].Within();
                Assert.Equal(request, got);
                reply.Reply(request * 10);
            }

            Assert.Equal(new[] { 10, 20, 30, 40, 50, 60 }, await Task.WhenAll(calls).Within());
        }
        finally
        {
            foreach (var cts in tokens)
            {
                cts.Dispose();
            }
        }
    }

    [Fact]
    public async Task WaitingServers_SecondCanceled_TheNextWaitAfterItIsStillReached()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var first = server.WaitAsync().AsTask();
        var canceled = server.WaitAsync(cts.Token).AsTask();
        var third = server.WaitAsync().AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Within());
        var fourth = server.WaitAsync().AsTask();

        var calls = Enumerable.Range(1, 3).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        var expected = 1;
        foreach (var wait in new[] { first, third, fourth })
        {
            var (request, reply) = await wait.Within();
            Assert.Equal(expected++, request);
            reply.Reply(request);
        }

        Assert.Equal(new[] { 1, 2, 3 }, await Task.WhenAll(calls).Within());
    }

    [Fact]
    public async Task SendersWaitingForRoom_AllGiveUp_TheChannelKeepsNoneOfTheirRequests()
    {
        var (server, client) = UmpChannel.Create<object, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var queued = client.RequestAsync(new object()).AsTask();
        var (parked, requests) = ChannelContractTests.SendUnreferencedRequests(client, 3, cts.Token);
        await Bounded.StillPending(parked[^1]);

        cts.Cancel();
        foreach (var call in parked)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(requests, r => Assert.False(r.IsAlive, "A request that gave up waiting for room is still held by the channel."));

        Assert.Equal(1, server.Count);
        var (_, reply) = await server.WaitAsync().Within();
        reply.Reply(1);
        Assert.Equal(1, await queued.Within());
        Assert.False(server.TryWait(out _, out _));
    }

    [Fact]
    public async Task TryWait_FreesAPlace_TheSendWaitingForRoomCompletes()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;

        using var first = await client.SendAsync(1).Within();
        var send = client.SendAsync(2).AsTask();
        await Bounded.StillPending(send);

        Assert.True(server.TryWait(out var request, out var reply));
        Assert.Equal(1, request);
        using var second = await send.Within();
        Assert.Equal(1, server.Count);

        reply.Reply(10);
        Assert.True(server.TryWait(out request, out var secondReply));
        Assert.Equal(2, request);
        secondReply.Reply(20);
        Assert.Equal(10, await first.WaitAsync().Within());
        Assert.Equal(20, await second.WaitAsync().Within());
    }

    [Fact]
    public async Task QueuedRequestWithdrawn_TheSendWaitingForRoomCompletes()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var withdrawn = client.RequestAsync(1, cts.Token).AsTask();
        var send = client.SendAsync(2).AsTask();
        await Bounded.StillPending(send);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn.Within());
        using var admitted = await send.Within();
        Assert.Equal(1, server.Count);

        Assert.True(server.TryWait(out var request, out var reply));
        Assert.Equal(2, request);
        reply.Reply(20);
        Assert.Equal(20, await admitted.WaitAsync().Within());
    }
}
