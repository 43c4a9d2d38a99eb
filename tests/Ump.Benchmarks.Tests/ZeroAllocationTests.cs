namespace Ump.Benchmarks.Tests;

/// <summary>
/// Pins the allocation side of the performance contract where it can be made deterministic: both ends on one thread,
/// counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/>, after the pools are warm.
/// </summary>
public sealed class ZeroAllocationTests
{
    private const int Warmup = 200;
    private const int Measured = 2_000;

    [Fact]
    public void Async_round_trip_with_a_waiting_server_allocates_nothing_in_steady_state()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using (server)
        using (client)
        {
            var bytes = MeasurePerRequest(i => RoundTripWithWaitingServer(server, client, i));
            Assert.Equal(0, bytes);
        }
    }

    [Fact]
    public void Async_round_trip_with_a_queued_request_allocates_nothing_in_steady_state()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using (server)
        using (client)
        {
            var bytes = MeasurePerRequest(i => RoundTripQueued(server, client, i, CancellationToken.None));
            Assert.Equal(0, bytes);
        }
    }

    [Fact]
    public void Async_round_trip_with_a_cancelable_token_costs_at_most_one_small_allocation()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var cts = new CancellationTokenSource();
        using (server)
        using (client)
        {
            var bytes = MeasurePerRequest(i => RoundTripQueued(server, client, i, cts.Token));
            Assert.InRange(bytes, 0, 64);
        }
    }

    private static long MeasurePerRequest(Action<int> roundTrip)
    {
        for (var i = 0; i < Warmup; i++)
        {
            roundTrip(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Measured; i++)
        {
            roundTrip(i);
        }

        var total = GC.GetAllocatedBytesForCurrentThread() - before;
        return total / Measured;
    }

    // The server waits first (a pooled waiter), then the request is handed straight to it.
    private static void RoundTripWithWaitingServer(Server<int, int, NoError> server, Client<int, int, NoError> client, int value)
    {
        var wait = server.WaitAsync();
        if (wait.IsCompleted)
        {
            throw new InvalidOperationException("The server should have had to wait.");
        }

        var reply = client.RequestAsync(value);
        SpinUntilCompleted(wait);
        var (request, context) = wait.Result;
        context.Reply(request);
        Expect(value, reply);
    }

    // The request is queued first, then taken.
    private static void RoundTripQueued(Server<int, int, NoError> server, Client<int, int, NoError> client, int value, CancellationToken cancellationToken)
    {
        var reply = client.RequestAsync(value, cancellationToken);
        var wait = server.WaitAsync();
        var (request, context) = wait.Result;
        context.Reply(request);
        Expect(value, reply);
    }

    private static void Expect(int expected, ValueTask<int> reply)
    {
        if (!reply.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The reply should be complete.");
        }

        var actual = reply.Result;
        if (actual != expected)
        {
            throw new InvalidOperationException($"Expected {expected}, got {actual}.");
        }
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
