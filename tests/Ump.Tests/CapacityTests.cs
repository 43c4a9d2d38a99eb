using Microsoft.Extensions.Time.Testing;

namespace Ump.Tests;

/// <summary>A bounded queue: backpressure, and giving up while waiting for room.</summary>
public sealed class CapacityTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Create_CapacityBelowOne_Throws(int capacity)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => UmpChannel.Create<int, int, NoError>(new() { Capacity = capacity }));
        Assert.Contains("Capacity", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Caller.Request)]
    [InlineData(Caller.RequestAsync)]
    [InlineData(Caller.SendThenWait)]
    [InlineData(Caller.SendAsyncThenAwait)]
    public async Task FullQueue_SenderWaitsForRoom_ThenIsServedInOrder(Caller caller)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 2 });
        using var ownedServer = server;
        using var ownedClient = client;

        var first = client.RequestAsync(1).AsTask();
        var second = client.RequestAsync(2).AsTask();
        var third = client.Call(caller, 3);
        await Bounded.StillPending(third);

        for (var expected = 1; expected <= 3; expected++)
        {
            var (request, reply) = await server.WaitAsync().Within();
            Assert.Equal(expected, request);
            reply.Reply(request * 10);
        }

        Assert.Equal(new[] { 10, 20, 30 }, await Task.WhenAll(first, second, third).Within());
    }

    [Theory]
    [InlineData(Caller.Request)]
    [InlineData(Caller.RequestAsync)]
    [InlineData(Caller.SendThenWait)]
    [InlineData(Caller.SendAsyncThenAwait)]
    public async Task Complete_SendersWaitingForRoom_StillDeliveredInOrder_NewSendersRefused(Caller caller)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;

        var first = client.RequestAsync(1).AsTask();
        var parked = client.Call(caller, 2);
        await Bounded.StillPending(parked);
        server.Complete();
        var refused = await Assert.ThrowsAsync<UmpException>(() => client.Call(caller, 3).Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, refused.Kind);

        for (var expected = 1; expected <= 2; expected++)
        {
            var (request, reply) = await server.WaitAsync().Within();
            Assert.Equal(expected, request);
            reply.Reply(request * 10);
        }

        Assert.Equal(new[] { 10, 20 }, await Task.WhenAll(first, parked).Within());
        Assert.Equal(UmpErrorKind.ClientsDisappeared, (await Assert.ThrowsAsync<UmpException>(() => server.WaitAsync().Within())).Kind);
    }

    [Fact]
    public async Task SendAsync_FullQueue_CompletesOnlyWhenTheRequestIsQueued()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;

        var queued = await client.SendAsync(1).Within();
        var send = client.SendAsync(2).AsTask();
        await Bounded.StillPending(send);

        var (request, reply) = await server.WaitAsync().Within();
        Assert.Equal(1, request);
        var waiting = await send.Within();
        reply.Reply(1);
        Assert.Equal(1, await queued);

        (request, reply) = await server.WaitAsync().Within();
        reply.Reply(request);
        Assert.Equal(2, await waiting);
    }

    [Theory]
    [InlineData(Caller.Request)]
    [InlineData(Caller.RequestAsync)]
    public async Task CallerCancels_WhileWaitingForRoom_IsReleased_AndNothingElseIsLost(Caller caller)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var first = client.RequestAsync(1).AsTask();
        var canceled = client.Call(caller, 2, cts.Token);
        var third = client.RequestAsync(3).AsTask();
        await Bounded.StillPending(canceled);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Within());

        foreach (var expected in new[] { 1, 3 })
        {
            var (request, reply) = await server.WaitAsync().Within();
            Assert.Equal(expected, request);
            reply.Reply(request);
        }

        Assert.Equal(new[] { 1, 3 }, await Task.WhenAll(first, third).Within());
        Assert.False(server.TryWait(out _, out _));
    }

    [Fact]
    public async Task SendCanceled_WhileWaitingForRoom_ThrowsOperationCanceled()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        using var first = client.Send(1);
        var send = client.SendAsync(2, cts.Token).AsTask();
        var syncSend = Bounded.OnThread(() => client.Send(3, cts.Token));
        await Bounded.StillPending(send);
        await Bounded.StillPending(syncSend);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.Within());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => syncSend.Within());

        var (request, _) = await server.WaitAsync().Within();
        Assert.Equal(1, request);
        Assert.False(server.TryWait(out _, out _));
    }

    [Fact]
    public async Task Timeout_WhileWaitingForRoom_EndsTheWaitWithTimeoutException()
    {
        var time = new FakeTimeProvider();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1, RequestTimeout = TimeSpan.FromSeconds(5), TimeProvider = time });
        using var ownedServer = server;
        using var ownedClient = client;

        var (first, firstReply) = (client.RequestAsync(1).AsTask(), default(ReplyContext<int, NoError>));
        (_, firstReply) = await server.WaitAsync().Within();
        var second = client.RequestAsync(2).AsTask();
        var third = client.RequestAsync(3).AsTask();
        await Bounded.StillPending(third);

        time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TimeoutException>(() => first.Within());
        await Assert.ThrowsAsync<TimeoutException>(() => second.Within());
        await Assert.ThrowsAsync<TimeoutException>(() => third.Within());
        Assert.False(firstReply.Reply(1));
        Assert.False(server.TryWait(out _, out _));
    }

    [Fact]
    public async Task ServerDisposed_WithSendersWaitingForRoom_EachGetsServerDisappeared()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedClient = client;

        var queued = client.RequestAsync(1).AsTask();
        var parked = client.RequestAsync(2).AsTask();
        var parkedSend = client.SendAsync(3).AsTask();
        await Bounded.StillPending(parkedSend);

        server.Dispose();
        foreach (var task in new Task[] { queued, parked, parkedSend })
        {
            var ex = await Assert.ThrowsAsync<UmpException>(() => task.Within());
            Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        }
    }

    [Fact]
    public async Task Burst_HundredTimesCapacity_ServedInOrder_EveryCallerGetsItsOutcome()
    {
        const int capacity = 8;
        const int burst = capacity * 100;
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = capacity });
        using var ownedServer = server;
        using var ownedClient = client;

        // Sent one after another from one task, so send order is request order.
        var calls = new Task<int>[burst];
        for (var i = 0; i < burst; i++)
        {
            calls[i] = client.RequestAsync(i).AsTask();
        }

        for (var i = 0; i < burst; i++)
        {
            var (request, reply) = await server.WaitAsync().Within();
            Assert.Equal(i, request);
            reply.Reply(-request);
        }

        var results = await Task.WhenAll(calls).Within();
        Assert.Equal(Enumerable.Range(0, burst).Select(i => -i), results);
    }
}
