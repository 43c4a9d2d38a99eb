using System.Diagnostics;
using System.Threading.Tasks.Sources;

using Ump.Benchmarks.Core.Baselines;

namespace Ump.Benchmarks.Probes;

/// <summary>
/// A targeted time breakdown (<c>-- --cost</c>): the instruction cost of one round trip with both ends on one thread
/// (no thread hop, no cache-line transfer), for Ump and for a single-thread copy of the pooled floor. The gap between
/// these is what Ump's bookkeeping costs; the rest of a cross-thread round trip is thread-pool hops and cache misses.
/// A server already waiting is not measured here: its wait completes from a thread-pool work item, never on one thread.
/// </summary>
public static class CostProbe
{
    private const int Measured = 2_000_000;

    public static int Run()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var floor = new SingleThreadFloor();
        for (var round = 0; round < 3; round++)
        {
            Console.WriteLine($"Round {round + 1}: ns per round trip, both ends on one thread");
            Report("Ump RequestAsync + TryWait + Reply", Time(i =>
            {
                var reply = client.RequestAsync(i);
                _ = server.TryWait(out var request, out var context);
                context.Reply(request);
                return reply.Result;
            }));
            Report("Floor (lock queue + pooled MRVTSC slot)", Time(i =>
            {
                var reply = floor.RequestAsync(i);
                floor.ServeOne();
                return reply.Result;
            }));
        }

        client.Dispose();
        server.Dispose();
        return 0;
    }

    private static void Report(string what, double ns) => Console.WriteLine($"  {what,-50} {ns,7:0.0} ns");

    private static double Time(Func<int, int> roundTrip)
    {
        for (var i = 0; i < 100_000; i++)
        {
            _ = roundTrip(i);
        }

        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Measured; i++)
        {
            _ = roundTrip(i);
        }

        return sw.Elapsed.TotalNanoseconds / Measured;
    }

    /// <summary>The pooled floor's data path without its server loop: what a round trip must do at least.</summary>
    private sealed class SingleThreadFloor
    {
        private readonly Lock _lock = new();
        private readonly Queue<FloorSlot> _queue = new();
        private readonly Stack<FloorSlot> _pool = new();

        public ValueTask<int> RequestAsync(int request)
        {
            FloorSlot slot;
            lock (_lock)
            {
                slot = _pool.Count > 0 ? _pool.Pop() : new FloorSlot(Return);
                slot.Request = request;
                _queue.Enqueue(slot);
            }

            return new ValueTask<int>(slot, slot.Version);
        }

        public void ServeOne()
        {
            FloorSlot slot;
            lock (_lock)
            {
                slot = _queue.Dequeue();
            }

            slot.Complete(slot.Request);
        }

        private void Return(FloorSlot slot)
        {
            lock (_lock)
            {
                _pool.Push(slot);
            }
        }
    }
}
