using Ump.Benchmarks.Baselines;

namespace Ump.Benchmarks;

/// <summary>
/// A targeted allocation breakdown, outside BenchmarkDotNet (<c>-- --alloc</c>): bytes per operation for each step of
/// each path. Single-thread steps use <see cref="GC.GetAllocatedBytesForCurrentThread"/> (exact); cross-thread round
/// trips use <see cref="GC.GetTotalAllocatedBytes(bool)"/> (whole process).
/// </summary>
public static class AllocationProbe
{
    private const int Warmup = 2_000;
    private const int Measured = 100_000;

    public static int Run()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var cts = new CancellationTokenSource();

        Console.WriteLine("Single thread, both ends on the caller's thread (bytes per request):");
        Report("RequestAsync + TryWait + Reply + result", PerThread(i =>
        {
            var reply = client.RequestAsync(i);
            _ = server.TryWait(out var request, out var context);
            context.Reply(request);
            _ = reply.Result;
        }));
        Report("RequestAsync(cancelable token) round trip", PerThread(i =>
        {
            var reply = client.RequestAsync(i, cts.Token);
            _ = server.TryWait(out var request, out var context);
            context.Reply(request);
            _ = reply.Result;
        }));
        Report("Send only (the WaitReply handle)", PerThread(i =>
        {
            var wait = client.Send(i);
            _ = server.TryWait(out var request, out var context);
            context.Reply(request);
            _ = wait.Wait();
        }));
        Report("Send + Wait + Dispose (using)", PerThread(i =>
        {
            using var wait = client.Send(i);
            _ = server.TryWait(out var request, out var context);
            context.Reply(request);
            _ = wait.Wait();
        }));
        Report("  of which: Dispose after the wait", PerThreadSplit(i =>
        {
            var wait = client.Send(i);
            _ = server.TryWait(out var request, out var context);
            context.Reply(request);
            _ = wait.Wait();
            return wait;
        }));

        client.Dispose();
        server.Dispose();

        Console.WriteLine();
        Console.WriteLine("Cross-thread, async caller loop against an async server loop (bytes per round trip, whole process):");
        Report("Ump RequestAsync <-> WaitAsync", CrossThreadUmp(static async c =>
        {
            for (var i = 0; i < Measured; i++)
            {
                _ = await c.RequestAsync(i);
            }
        }));
        Report("Ump Send + await", CrossThreadUmp(static async c =>
        {
            for (var i = 0; i < Measured; i++)
            {
                _ = await c.Send(i);
            }
        }));
        Report("Ump Send + await + Dispose (using)", CrossThreadUmp(static async c =>
        {
            for (var i = 0; i < Measured; i++)
            {
                using var wait = c.Send(i);
                _ = await wait;
            }
        }));
        var tcs = new TcsChannelServer();
        tcs.Start();
        Report("Channel + TaskCompletionSource baseline", Total(async () =>
        {
            for (var i = 0; i < Measured; i++)
            {
                _ = await tcs.RequestAsync(i);
            }
        }));
        tcs.Stop();
        var floor = new PooledFloorServer();
        floor.Start();
        Report("Pooled floor", Total(async () =>
        {
            for (var i = 0; i < Measured; i++)
            {
                _ = await floor.RequestAsync(i);
            }
        }));
        floor.Stop();
        return 0;
    }

    private static void Report(string what, double bytes) => Console.WriteLine($"  {what,-48} {bytes,8:0.00} B");

    private static double PerThread(Action<int> step)
    {
        for (var i = 0; i < Warmup; i++)
        {
            step(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Measured; i++)
        {
            step(i);
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Measured;
    }

    private static double PerThreadSplit(Func<int, IDisposable> step)
    {
        for (var i = 0; i < Warmup; i++)
        {
            step(i).Dispose();
        }

        long total = 0;
        for (var i = 0; i < Measured; i++)
        {
            var handle = step(i);
            var before = GC.GetAllocatedBytesForCurrentThread();
            handle.Dispose();
            total += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        return total / (double)Measured;
    }

    private static double CrossThreadUmp(Func<Client<int, int, NoError>, Task> callerLoop)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var loop = UmpServers.RunAsync(server);
        var bytes = Total(() => callerLoop(client));
        client.Dispose();
        Shared.WaitStopped(loop, "Ump server loop");
        server.Dispose();
        return bytes;
    }

    private static double Total(Func<Task> run)
    {
        run().GetAwaiter().GetResult();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        run().GetAwaiter().GetResult();
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Measured;
    }
}
