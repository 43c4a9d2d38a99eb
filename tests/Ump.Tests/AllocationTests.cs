namespace Ump.Tests;

/// <summary>The performance contract's allocation claim, pinned where it is deterministic: one thread plays both sides.</summary>
public sealed class AllocationTests
{
    private const int MeasuredRoundTrips = 10_000;

    [Fact]
    public void AsyncRoundTrip_SteadyState_AllocatesNothing()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        static void RoundTrip(Server<int, int, NoError> server, Client<int, int, NoError> client, int i)
        {
            // Request queued first, then taken synchronously by WaitAsync.
            var call = client.RequestAsync(i);
            var taken = server.WaitAsync();
            var (request, reply) = taken.Result;
            reply.Reply(request + 1);
            if (call.GetAwaiter().GetResult() != i + 1)
            {
                throw new InvalidOperationException("Wrong reply.");
            }

            // Server waiting first: the request is handed straight to the waiter.
            var waiting = server.WaitAsync();
            call = client.RequestAsync(i);
            SpinUntilCompleted(waiting);
            (request, reply) = waiting.GetAwaiter().GetResult();
            reply.Reply(request - 1);
            if (call.GetAwaiter().GetResult() != i - 1)
            {
                throw new InvalidOperationException("Wrong reply.");
            }
        }

        AssertSteadyStateAllocatesNothing(i => RoundTrip(server, client, i));
    }

    [Fact]
    public void SyncTryWaitRoundTrip_SteadyState_AllocatesNothing()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 4 });
        using var ownedServer = server;
        using var ownedClient = client;

        static void RoundTrip(Server<int, int, NoError> server, Client<int, int, NoError> client, int i)
        {
            var call = client.RequestAsync(i);
            if (!server.TryWait(out var request, out var reply))
            {
                throw new InvalidOperationException("Nothing queued.");
            }

            reply.Reply(request);
            if (call.GetAwaiter().GetResult() != i)
            {
                throw new InvalidOperationException("Wrong reply.");
            }
        }

        AssertSteadyStateAllocatesNothing(i => RoundTrip(server, client, i));
    }

    [Fact]
    public void AsyncRoundTrip_CancelableToken_AtMostOneSmallAllocation()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        void RoundTrip(int i)
        {
            var call = client.RequestAsync(i, cts.Token);
            if (!server.TryWait(out var request, out var reply))
            {
                throw new InvalidOperationException("Nothing queued.");
            }

            reply.Reply(request);
            if (call.GetAwaiter().GetResult() != i)
            {
                throw new InvalidOperationException("Wrong reply.");
            }
        }

        Assert.InRange(MeasureSteadyStateBytes(RoundTrip) / MeasuredRoundTrips, 0, 64);
    }

    private static void AssertSteadyStateAllocatesNothing(Action<int> roundTrip) => Assert.Equal(0, MeasureSteadyStateBytes(roundTrip));

    private static long MeasureSteadyStateBytes(Action<int> roundTrip)
    {
        for (var i = 0; i < 100; i++)
        {
            roundTrip(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < MeasuredRoundTrips; i++)
        {
            roundTrip(i);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    // An async server wait handed a request completes from a thread-pool work item (like a Channel reader): wait for it,
    // bounded, without allocating on this thread.
    private static void SpinUntilCompleted<T>(ValueTask<T> task)
    {
        var deadline = Environment.TickCount64 + 10_000;
        var spinner = default(SpinWait);
        while (!task.IsCompleted)
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("The server's wait was not completed within 10 s.");
            }

            spinner.SpinOnce();
        }
    }
}
