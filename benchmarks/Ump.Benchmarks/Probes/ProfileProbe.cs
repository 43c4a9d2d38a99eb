using System.Diagnostics;

using Ump.Benchmarks.Core.Baselines;

namespace Ump.Benchmarks.Probes;

/// <summary>
/// Runs one benchmark workload in a loop for a fixed time (<c>-- --profile &lt;scenario&gt; [seconds]</c>), so that a
/// sampling profiler can be attached to a process doing nothing else: <c>benchmarks/profile.sh</c> runs it under
/// <c>perf record</c> with the runtime's perf map switched on. Prints the time per round trip it measured.
/// </summary>
public static class ProfileProbe
{
    private const int Batch = 4096;

    private static readonly Dictionary<string, Func<Scenario>> s_scenarios = new()
    {
        ["sync-ump"] = () => SyncUmp(),
        ["sync-events"] = () => SyncEvents(),
        ["sync-floor"] = () => SyncFloor(),
        ["async-ump"] = () => AsyncCallers(1, Target.Ump),
        ["async-tcs"] = () => AsyncCallers(1, Target.Tcs),
        ["async-floor"] = () => AsyncCallers(1, Target.Floor),
        ["callers64-ump"] = () => AsyncCallers(64, Target.Ump),
        ["callers64-tcs"] = () => AsyncCallers(64, Target.Tcs),
    };

    public static int Run(string[] args)
    {
        if (args.Length < 2 || !s_scenarios.TryGetValue(args[1], out var create))
        {
            Console.Error.WriteLine($"usage: --profile <{string.Join('|', s_scenarios.Keys)}> [seconds]");
            return 2;
        }

        var seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var scenario = create();
        try
        {
            // Warm up (tiering, pools) before the measured part, as BenchmarkDotNet would.
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed < TimeSpan.FromSeconds(1))
            {
                scenario.RunBatch();
            }

            long done = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                scenario.RunBatch();
                done += Batch;
            }

            Console.WriteLine($"{args[1]}: {sw.Elapsed.TotalNanoseconds / done:0.0} ns per round trip ({done:N0} round trips)");
            return 0;
        }
        finally
        {
            scenario.Stop();
        }
    }

    private static Scenario SyncUmp()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var thread = UmpServers.StartThread(server, "ump-sync-server");
        return SyncCaller(
            request => client.Request(request),
            () =>
            {
                client.Dispose();
                Shared.JoinStopped(thread, "Ump sync server thread");
                server.Dispose();
            });
    }

    private static Scenario SyncEvents()
    {
        var events = new EventPairHandOff();
        events.Start();
        return SyncCaller(
            events.Request,
            () =>
            {
                events.Stop();
                events.Dispose();
            });
    }

    private static Scenario SyncFloor()
    {
        var floor = new SyncFloorServer();
        floor.Start();
        return SyncCaller(
            floor.Request,
            () =>
            {
                floor.Stop();
                floor.Dispose();
            });
    }

    /// <summary>The calling thread's loop of blocking round trips, the same for every sync scenario.</summary>
    private static Scenario SyncCaller(Func<int, int> request, Action stop) => new(
        () =>
        {
            for (var i = 0; i < Batch; i++)
            {
                Shared.Check(i, request(i));
            }
        },
        stop);

    private enum Target
    {
        Ump,
        Tcs,
        Floor,
    }

    private static Scenario AsyncCallers(int callers, Target target)
    {
        var echo = target == Target.Ump ? new UmpEchoServer() : null;
        var tcs = target == Target.Tcs ? new TcsChannelServer() : null;
        var floor = target == Target.Floor ? new PooledFloorServer() : null;
        tcs?.Start();
        floor?.Start();
        var tasks = new Task[callers];
        var perCaller = Batch / callers;
        return new Scenario(
            () =>
            {
                for (var c = 0; c < tasks.Length; c++)
                {
                    tasks[c] = Task.Run(async () =>
                    {
                        for (var i = 0; i < perCaller; i++)
                        {
                            var reply = target switch
                            {
                                Target.Ump => await echo!.Client.RequestAsync(i),
                                Target.Tcs => await tcs!.RequestAsync(i),
                                _ => await floor!.RequestAsync(i),
                            };
                            Shared.Check(i, reply);
                        }
                    });
                }

                if (!Task.WaitAll(tasks, Shared.StopTimeout))
                {
                    throw new TimeoutException("A batch of round trips did not finish.");
                }
            },
            () =>
            {
                echo?.Dispose();
                tcs?.Stop();
                floor?.Stop();
            });
    }

    private sealed record Scenario(Action RunBatch, Action Stop);
}
