using System.Collections.Concurrent;

namespace Ump.Tests.Reliability;

[CollectionDefinition(nameof(SoakCollection), DisableParallelization = true)]
public sealed class SoakCollection;

/// <summary>
/// Fault-injection soak: many sync and async callers, clones created and disposed, random cancellations and
/// timeouts, handlers that reply, fail, abandon, forget or reply late from other threads, servers disposed
/// mid-flight and re-created, bounded and unbounded queues. Every request is accounted for.
/// </summary>
/// <remarks>
/// Runs for UMP_SOAK_SECONDS (default 20) with seed UMP_SOAK_SEED (default: random, printed on failure), so a
/// failing run can be replayed with the same choices (thread timing still varies).
/// </remarks>
[Collection(nameof(SoakCollection))]
public sealed class SoakTests(ITestOutputHelper output)
{
    private enum Behaviour
    {
        Reply,
        Fail,
        Abandon,
        Dispose,
        Forget,
        ReplyLateFromAnotherThread,
        ReplySlowly,
    }

    private enum Api
    {
        Request,
        RequestAsync,
        SendThenWait,
        SendAsyncThenAwait,
        SendThenGiveUp,
    }

    internal enum Outcome
    {
        Replied,
        AppError,
        NoReply,
        ServerGone,
        Canceled,
        TimedOut,
        WrongReply,
        Unexpected,
    }

    [Fact]
    public async Task Soak_FaultsEverywhere_EveryRequestGetsExactlyOneOutcome()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("UMP_SOAK_SECONDS"), out var s) ? s : 20;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("UMP_SOAK_SEED"), out var given) ? given : Random.Shared.Next();
        output.WriteLine($"UMP_SOAK_SEED={seed} UMP_SOAK_SECONDS={seconds}");

        var unobserved = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => Interlocked.Increment(ref unobserved);
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            var stats = new Stats();
            var collected = new List<WeakReference>();
            var rng = new Random(seed);
            var stopAt = Environment.TickCount64 + (seconds * 1000L);

            // The forgotten-reply-context safety net needs collections to happen while callers wait.
            using var gcPump = new CancellationTokenSource();
            var pump = Task.Run(async () =>
            {
                while (!gcPump.IsCancellationRequested)
                {
                    GC.Collect();
                    await Task.Delay(25).ConfigureAwait(false);
                }
            });

            var rounds = 0;
            while (Environment.TickCount64 < stopAt)
            {
                await RunRound(rng.Next(), stats, collected);
                rounds++;
            }

            await gcPump.CancelAsync();
            await pump.Within();

            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            output.WriteLine($"{rounds} rounds; {stats}");
            Assert.True(stats.Sent > 1_000, $"The soak sent too little to mean anything: {stats}");
            Assert.Equal(stats.Sent, stats.Total);
            Assert.Equal(0, stats[Outcome.WrongReply]);
            Assert.True(stats[Outcome.Unexpected] == 0, "Unexpected outcomes: " + string.Join(" | ", stats.Surprises.Take(5)));
            Assert.True(stats[Outcome.Replied] > 0 && stats[Outcome.AppError] > 0 && stats[Outcome.NoReply] > 0 && stats[Outcome.Canceled] > 0, $"Some outcome never happened: {stats}");
            Assert.Equal(0, Volatile.Read(ref unobserved));
            Assert.All(collected, w => Assert.False(w.IsAlive, "A disposed channel object is still reachable: something leaks it."));
            var grown = GC.GetTotalMemory(forceFullCollection: true) - baseline;
            Assert.True(grown < 64L * 1024 * 1024, $"Memory grew by {grown} bytes over the soak.");
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }

    private static async Task RunRound(int seed, Stats stats, List<WeakReference> collected)
    {
        var rng = new Random(seed);
        var options = new UmpChannelOptions
        {
            Capacity = rng.Next(3) == 0 ? null : rng.Next(1, 9),
            RequestTimeout = rng.Next(3) == 0 ? TimeSpan.FromMilliseconds(rng.Next(5, 100)) : null,
        };
        var (server, root) = UmpChannel.Create<(long Id, Behaviour Behaviour), long, long>(options);
        var weak = root.Weak();
        var lateReplies = new ConcurrentBag<Task>();
        var roundEnd = Environment.TickCount64 + rng.Next(150, 700);

        var servers = Enumerable.Range(0, rng.Next(1, 4))
            .Select(i => i % 2 == 0 ? Bounded.OnThread(() => ServeSync(server, lateReplies)) : Task.Run(() => ServeAsync(server, lateReplies)))
            .ToArray();

        var callers = Enumerable.Range(0, rng.Next(2, 9)).Select(i =>
        {
            var callerSeed = rng.Next();
            return i % 2 == 0
                ? Bounded.OnThread(() => CallSync(weak, callerSeed, roundEnd, stats))
                : Task.Run(() => CallAsync(weak, callerSeed, roundEnd, stats));
        }).ToArray();

        // Sometimes the server goes away in the middle of the round.
        var disposer = rng.Next(3) == 0
            ? Task.Run(async () =>
            {
                await Task.Delay(rng.Next(10, 300)).ConfigureAwait(false);
                server.Dispose();
            })
            : Task.CompletedTask;

        try
        {
            await Task.WhenAll(callers).Within();
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Callers hung (capacity {options.Capacity}, timeout {options.RequestTimeout}): " + string.Join(" | ", stats.InFlight.Values));
        }

        root.Dispose();
        await disposer.Within();
        await Task.WhenAll(servers).Within();
        server.Dispose();
        await Task.WhenAll(lateReplies).Within();

        collected.Add(new WeakReference(server));
        collected.Add(new WeakReference(root));
        collected.Add(new WeakReference(weak));
    }

    private static void CallSync(WeakClient<(long, Behaviour), long, long> weak, int seed, long roundEnd, Stats stats)
    {
        var rng = new Random(seed);
        var client = weak.Upgrade();
        while (client is not null && Environment.TickCount64 < roundEnd)
        {
            var id = stats.NextId();
            var request = (id, (Behaviour)rng.Next(7));
            using var cts = MaybeCancel(rng);
            var token = cts?.Token ?? default;
            stats.InFlight[id] = $"sync {request.Item2} cancel={cts is not null}";
            var outcome = stats.Record(id, () =>
            {
                switch (rng.Next(3))
                {
                    case 0:
                        return client.Request(request, token);
                    case 1:
                        using (var pending = client.Send(request, token))
                        {
                            return pending.Wait(token);
                        }

                    default:
                        var reply = client.Send(request, token);
                        reply.Dispose();
                        return reply.Wait();
                }
            });

            if (outcome == Outcome.ServerGone)
            {
                break;
            }

            if (rng.Next(20) == 0)
            {
                var clone = client.Clone();
                client.Dispose();
                client = clone;
            }
        }

        client?.Dispose();
    }

    private static async Task CallAsync(WeakClient<(long, Behaviour), long, long> weak, int seed, long roundEnd, Stats stats)
    {
        var rng = new Random(seed);
        var client = weak.Upgrade();
        while (client is not null && Environment.TickCount64 < roundEnd)
        {
            var id = stats.NextId();
            var request = (id, (Behaviour)rng.Next(7));
            using var cts = MaybeCancel(rng);
            var token = cts?.Token ?? default;
            var api = (Api)rng.Next(5);
            stats.InFlight[id] = $"async {api} {request.Item2} cancel={cts is not null}";
            var outcome = await stats.RecordAsync(id, async () => api switch
            {
                Api.RequestAsync or Api.Request => await client.RequestAsync(request, token),
                Api.SendAsyncThenAwait or Api.SendThenWait => await (await client.SendAsync(request, token)).WaitAsync(token),
                _ => await GiveUpAsync(client, request, token),
            });

            if (outcome == Outcome.ServerGone)
            {
                break;
            }

            if (rng.Next(20) == 0)
            {
                client.Dispose();
                client = weak.Upgrade();
            }
        }

        client?.Dispose();
    }

    private static async Task<long> GiveUpAsync(Client<(long, Behaviour), long, long> client, (long, Behaviour) request, CancellationToken token)
    {
        var reply = await client.SendAsync(request, token);
        reply.Dispose();
        return await reply.WaitAsync();
    }

    private static CancellationTokenSource? MaybeCancel(Random rng)
    {
        switch (rng.Next(4))
        {
            case 0:
                var cts = new CancellationTokenSource();
                cts.CancelAfter(rng.Next(0, 5));
                return cts;
            case 1:
                return new CancellationTokenSource();
            default:
                return null;
        }
    }

    private static void ServeSync(Server<(long Id, Behaviour Behaviour), long, long> server, ConcurrentBag<Task> late)
    {
        while (ServeOneSync(server, late))
        {
        }
    }

    // One request per call, so that no local of the loop (in a debug build, not even the compiler's temporaries)
    // keeps a forgotten reply context reachable while the thread blocks in the next Wait.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool ServeOneSync(Server<(long Id, Behaviour Behaviour), long, long> server, ConcurrentBag<Task> late)
    {
        try
        {
            var (request, reply) = server.Wait();
            Handle(request, reply, late);
            return true;
        }
        catch (Exception ex) when (ex is ObjectDisposedException || (ex is UmpException u && u.Kind == UmpErrorKind.ClientsDisappeared))
        {
            return false;
        }
    }

    private static async Task ServeAsync(Server<(long Id, Behaviour Behaviour), long, long> server, ConcurrentBag<Task> late)
    {
        while (true)
        {
            (long Id, Behaviour Behaviour) request;
            ReplyContext<long, long> reply;
            try
            {
                (request, reply) = await server.WaitAsync();
            }
            catch (Exception ex) when (ex is ObjectDisposedException || (ex is UmpException u && u.Kind == UmpErrorKind.ClientsDisappeared))
            {
                return;
            }

            Handle(request, reply, late);

            // A loop local (or an async method's hoisted local) keeps a forgotten context reachable until the next
            // request overwrites it, which would hold back the GC safety net for the last caller: drop it now.
            reply = default;
        }
    }

    private static void Handle((long Id, Behaviour Behaviour) request, ReplyContext<long, long> reply, ConcurrentBag<Task> late)
    {
        switch (request.Behaviour)
        {
            case Behaviour.Reply:
                reply.Reply(Expected(request.Id));
                break;
            case Behaviour.Fail:
                reply.Fail(request.Id);
                break;
            case Behaviour.Abandon:
                reply.Abandon(new InvalidOperationException("handler gave up"));
                break;
            case Behaviour.Dispose:
                reply.Dispose();
                break;
            case Behaviour.Forget:
                break;
            case Behaviour.ReplyLateFromAnotherThread:
                late.Add(Task.Run(async () =>
                {
                    await Task.Delay(1).ConfigureAwait(false);
                    reply.Reply(Expected(request.Id));
                }));
                break;
            case Behaviour.ReplySlowly:
                late.Add(Task.Run(async () =>
                {
                    try
                    {
                        await Task.Delay(5, reply.RequestAborted).ConfigureAwait(false);
                        reply.Reply(Expected(request.Id));
                    }
                    catch (OperationCanceledException)
                    {
                        // The caller gave up; its outcome is already decided.
                        Assert.False(reply.Reply(0));
                    }
                }));
                break;
        }
    }

    private static long Expected(long id) => (id * 3) + 1;

    internal sealed class Stats
    {
        private readonly long[] _counts = new long[Enum.GetValues<Outcome>().Length];
        private long _sent;
        private long _nextId;

        public ConcurrentQueue<string> Surprises { get; } = new();

        public ConcurrentDictionary<long, string> InFlight { get; } = new();

        public long Sent => Volatile.Read(ref _sent);

        public long Total => _counts.Sum();

        public long this[Outcome outcome] => Volatile.Read(ref _counts[(int)outcome]);

        public long NextId() => Interlocked.Increment(ref _nextId);

        public Outcome Record(long id, Func<long> call)
        {
            Interlocked.Increment(ref _sent);
            Outcome outcome;
            try
            {
                outcome = call() == Expected(id) ? Outcome.Replied : Outcome.WrongReply;
            }
            catch (Exception ex)
            {
                outcome = Classify(id, ex);
            }

            Interlocked.Increment(ref _counts[(int)outcome]);
            InFlight.TryRemove(id, out _);
            return outcome;
        }

        public async Task<Outcome> RecordAsync(long id, Func<Task<long>> call)
        {
            Interlocked.Increment(ref _sent);
            Outcome outcome;
            try
            {
                outcome = await call() == Expected(id) ? Outcome.Replied : Outcome.WrongReply;
            }
            catch (Exception ex)
            {
                outcome = Classify(id, ex);
            }

            Interlocked.Increment(ref _counts[(int)outcome]);
            InFlight.TryRemove(id, out _);
            return outcome;
        }

        public override string ToString() =>
            $"sent {Sent}: " + string.Join(", ", Enum.GetValues<Outcome>().Select(o => $"{o} {this[o]}"));

        private Outcome Classify(long id, Exception ex)
        {
            switch (ex)
            {
                case UmpException<long> app when app.Error == id:
                    return Outcome.AppError;
                case UmpException<long>:
                    return Outcome.WrongReply;
                case UmpException { Kind: UmpErrorKind.NoReply }:
                    return Outcome.NoReply;
                case UmpException { Kind: UmpErrorKind.ServerDisappeared }:
                    return Outcome.ServerGone;
                case OperationCanceledException:
                    return Outcome.Canceled;
                case ObjectDisposedException when ex.Message.Contains("WaitReply", StringComparison.Ordinal):
                    // Waiting on a WaitReply the caller itself disposed: the caller gave up.
                    return Outcome.Canceled;
                case TimeoutException:
                    return Outcome.TimedOut;
                default:
                    Surprises.Enqueue(ex.ToString());
                    return Outcome.Unexpected;
            }
        }
    }
}
