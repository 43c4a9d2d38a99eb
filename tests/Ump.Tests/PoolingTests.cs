using System.Runtime.CompilerServices;

namespace Ump.Tests;

/// <summary>
/// Reply slots, responders and server waiters are pooled: with several requests in flight the pool still serves
/// them without allocating, and an object taken from the pool keeps its garbage-collection safety net.
/// </summary>
public sealed class PoolingTests
{
    private const int MeasuredRoundTrips = 10_000;

    [Fact]
    public void TwoRequestsInFlight_SteadyState_AllocatesNothing()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 4 });
        using var ownedServer = server;
        using var ownedClient = client;

        void RoundTrip(int i)
        {
            var first = client.RequestAsync(i);
            var second = client.RequestAsync(i + 1);
            if (!server.TryWait(out var firstRequest, out var firstReply) || !server.TryWait(out var secondRequest, out var secondReply))
            {
                throw new InvalidOperationException("Nothing queued.");
            }

            firstReply.Reply(firstRequest * 2);
            secondReply.Reply(secondRequest * 2);
            if (first.GetAwaiter().GetResult() != i * 2 || second.GetAwaiter().GetResult() != (i + 1) * 2)
            {
                throw new InvalidOperationException("Wrong reply.");
            }
        }

        for (var i = 0; i < 100; i++)
        {
            RoundTrip(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < MeasuredRoundTrips; i++)
        {
            RoundTrip(i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void WaitReply_DisposedAfterItsWait_LeavesTheNextRequestOnItsSlotAlone_AndAllocatesNothing()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 4 });
        using var ownedServer = server;
        using var ownedClient = client;
        long allocated = 0;

        void RoundTrip(int i)
        {
            var waited = client.Send(i);
            Answer(server);
            if (waited.Wait() != i)
            {
                throw new InvalidOperationException("Wrong reply.");
            }

            // The next request runs on the slot the waited one has just given back to the pool.
            var next = client.RequestAsync(i + 1);
            var before = GC.GetAllocatedBytesForCurrentThread();
            waited.Dispose();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.False(next.IsCompleted, "Disposing the earlier WaitReply must not end the next request.");
            Answer(server);
            Assert.Equal(i + 1, next.GetAwaiter().GetResult());
        }

        for (var i = 0; i < 1_000; i++)
        {
            RoundTrip(i);
        }

        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task ReplyContextsOnReusedResponders_Collected_CallersStillGetNoReply()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        // Two contexts at once, so both the pool's first place and its array hold a responder afterwards.
        AnswerTwoAtOnce(server, client);
        var calls = TakeTwoAndForgetThem(server, client);

        await Bounded.CollectUntilCompleted(Task.WhenAll(calls));

        foreach (var call in calls)
        {
            Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }
    }

    [Fact]
    public async Task ServerWaitsOnReusedWaiters_DroppedUnawaited_CallersStillGetNoReply()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        await ServeTwoAtOnce(server, client);
        StartTwoWaitsAndDropThem(server);
        Task<int>[] calls = [client.RequestAsync(1).AsTask(), client.RequestAsync(2).AsTask()];

        await Bounded.CollectUntilCompleted(Task.WhenAll(calls));

        foreach (var call in calls)
        {
            Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }
    }

    private static void Answer(Server<int, int, NoError> server)
    {
        if (!server.TryWait(out var request, out var reply))
        {
            throw new InvalidOperationException("Nothing queued.");
        }

        reply.Reply(request);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AnswerTwoAtOnce(Server<int, int, NoError> server, Client<int, int, NoError> client)
    {
        var first = client.RequestAsync(1);
        var second = client.RequestAsync(2);
        var (firstRequest, firstReply) = server.Wait();
        var (secondRequest, secondReply) = server.Wait();
        Assert.True(firstReply.Reply(firstRequest));
        Assert.True(secondReply.Reply(secondRequest));
        Assert.Equal(1, first.AsTask().Within().GetAwaiter().GetResult());
        Assert.Equal(2, second.AsTask().Within().GetAwaiter().GetResult());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task<int>[] TakeTwoAndForgetThem(Server<int, int, NoError> server, Client<int, int, NoError> client)
    {
        Task<int>[] calls = [client.RequestAsync(1).AsTask(), client.RequestAsync(2).AsTask()];
        Assert.Equal(1, server.Wait().Request);
        Assert.Equal(2, server.Wait().Request);
        return calls;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task ServeTwoAtOnce(Server<int, int, NoError> server, Client<int, int, NoError> client)
    {
        // Two waits at once, so both the pool's first place and its array hold a waiter afterwards.
        var firstWait = server.WaitAsync();
        var secondWait = server.WaitAsync();
        var first = client.RequestAsync(1).AsTask();
        var second = client.RequestAsync(2).AsTask();
        var (firstRequest, firstReply) = await firstWait.Within();
        var (secondRequest, secondReply) = await secondWait.Within();
        firstReply.Reply(firstRequest);
        secondReply.Reply(secondRequest);
        Assert.Equal(1, await first.Within());
        Assert.Equal(2, await second.Within());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StartTwoWaitsAndDropThem(Server<int, int, NoError> server)
    {
        _ = server.WaitAsync();
        _ = server.WaitAsync();
    }
}
