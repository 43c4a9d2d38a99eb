using System.Diagnostics;

namespace Ump.Benchmarks;

/// <summary>
/// Reproduces the stale wake-up in the sync request path (<c>-- --sync-race</c>): a caller thread doing blocking
/// <c>Request</c> calls against a server thread doing blocking <c>Wait</c>, counting requests whose blocking wait
/// ended before their own reply was set.
/// </summary>
public static class SyncRaceProbe
{
    public static int Run()
    {
        var limit = TimeSpan.FromSeconds(20);
        var (requests, failures, first) = Hammer(limit);
        Console.WriteLine($"{requests:N0} sync round trips in up to {limit.TotalSeconds:0} s: {failures:N0} ended early.");
        if (first is not null)
        {
            Console.WriteLine(first);
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>Runs blocking round trips (no token, like the benchmark) until <paramref name="limit"/> passes.</summary>
    public static (long Requests, long Failures, Exception? First) Hammer(TimeSpan limit)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var serverThread = UmpServers.StartThread(server, "sync-race-server");
        long requests = 0;
        long failures = 0;
        Exception? first = null;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < limit)
        {
            for (var i = 0; i < 1000; i++)
            {
                requests++;
                try
                {
                    _ = client.Request(i);
                }
                catch (InvalidOperationException ex)
                {
                    failures++;
                    first ??= ex;
                }
            }
        }

        client.Dispose();
        Shared.JoinStopped(serverThread, "sync race server");
        server.Dispose();
        return (requests, failures, first);
    }
}
