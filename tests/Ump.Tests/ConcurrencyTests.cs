namespace Ump.Tests;

/// <summary>Thread safety as the semantics table states it, under real contention.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task ManyClients_ClonedOnThreadsAndTasks_EveryReplyMatchesItsRequest()
    {
        const int clients = 16;
        const int perClient = 2_000;
        var (server, client) = UmpChannel.Create<(int Client, int Seq), (int Client, int Seq), NoError>();
        var serving = ServeUntilClientsGone(server, servers: 2);

        var start = new Barrier(clients);
        var callers = Enumerable.Range(0, clients).Select(id =>
        {
            var clone = client.Clone();
            void Body()
            {
                using (clone)
                {
                    start.SignalAndWait(Bounded.Timeout);
                    for (var seq = 0; seq < perClient; seq++)
                    {
                        var reply = (id % 4) switch
                        {
                            0 => clone.Request((id, seq)),
                            1 => clone.RequestAsync((id, seq)).AsTask().GetAwaiter().GetResult(),
                            2 => clone.Send((id, seq)).Wait(),
                            _ => clone.SendAsync((id, seq)).AsTask().GetAwaiter().GetResult().Wait(),
                        };
                        Assert.Equal((id, seq), reply);
                    }
                }
            }

            async Task AsyncBody()
            {
                using (clone)
                {
                    await Task.Yield();
                    start.SignalAndWait(Bounded.Timeout);
                    for (var seq = 0; seq < perClient; seq++)
                    {
                        var reply = id % 2 == 0
                            ? await clone.RequestAsync((id, seq))
                            : await await clone.SendAsync((id, seq)).AsTask();
                        Assert.Equal((id, seq), reply);
                    }
                }
            }

            // Half the callers on their own threads, half as tasks.
            return id < clients / 2 ? Bounded.OnThread(Body) : Task.Factory.StartNew(AsyncBody, TaskCreationOptions.LongRunning).Unwrap();
        }).ToArray();

        client.Dispose();
        await Task.WhenAll(callers).Within();
        Assert.Equal(clients * perClient, await serving.Within());
    }

    [Fact]
    public async Task OneClientInstance_SharedByManyThreads_IsSafe()
    {
        const int threads = 8;
        const int perThread = 2_000;
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var serving = ServeUntilClientsGone(server, servers: 1);

        var start = new Barrier(threads);
        var callers = Enumerable.Range(0, threads).Select(t => Bounded.OnThread(() =>
        {
            start.SignalAndWait(Bounded.Timeout);
            for (var i = 0; i < perThread; i++)
            {
                var request = (t * perThread) + i;
                var reply = i % 2 == 0 ? client.Request(request) : client.RequestAsync(request).AsTask().GetAwaiter().GetResult();
                Assert.Equal(request, reply);
            }
        })).ToArray();

        await Task.WhenAll(callers).Within();
        client.Dispose();
        Assert.Equal(threads * perThread, await serving.Within());
    }

    [Fact]
    public async Task WaitFromSeveralThreads_EachRequestGoesToExactlyOneWaiter()
    {
        const int requests = 5_000;
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var seen = new int[requests];
        var serving = ServeUntilClientsGone(server, servers: 4, onRequest: r => Interlocked.Increment(ref seen[r]));

        var calls = Enumerable.Range(0, requests).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        Assert.Equal(Enumerable.Range(0, requests), await Task.WhenAll(calls).Within());
        client.Dispose();

        Assert.Equal(requests, await serving.Within());
        Assert.All(seen, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task RequestAsync_UnderABlockingSynchronizationContext_DoesNotResumeOnIt()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var serving = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                var (request, reply) = await server.WaitAsync();
                reply.Reply(request);
            }
        });

        // A context whose thread is blocked in the sync call: anything posted to it would deadlock.
        var context = new RecordingContext();
        var result = await Bounded.OnThread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(context);
            var sync = client.Request(1);
            var viaTask = client.RequestAsync(2).AsTask().GetAwaiter().GetResult();
            return sync + viaTask;
        }).Within();

        Assert.Equal(3, result);
        Assert.Equal(0, context.Posts);
        await serving.Within();
    }

    private sealed class RecordingContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => _posts;

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            base.Post(d, state);
        }

        public override void Send(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            base.Send(d, state);
        }
    }

    /// <summary>Runs <paramref name="servers"/> loops (half sync threads, half async) echoing requests; returns how many were served.</summary>
    private static async Task<int> ServeUntilClientsGone<TReq>(Server<TReq, TReq, NoError> server, int servers, Action<TReq>? onRequest = null)
    {
        var served = 0;
        var loops = Enumerable.Range(0, servers).Select(i => i % 2 == 0
            ? Bounded.OnThread(() =>
            {
                while (true)
                {
                    (TReq Request, ReplyContext<TReq, NoError> Reply) item;
                    try
                    {
                        item = server.Wait();
                    }
                    catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
                    {
                        return;
                    }

                    onRequest?.Invoke(item.Request);
                    item.Reply.Reply(item.Request);
                    Interlocked.Increment(ref served);
                }
            })
            : Task.Run(async () =>
            {
                while (true)
                {
                    (TReq Request, ReplyContext<TReq, NoError> Reply) item;
                    try
                    {
                        item = await server.WaitAsync();
                    }
                    catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
                    {
                        return;
                    }

                    onRequest?.Invoke(item.Request);
                    item.Reply.Reply(item.Request);
                    Interlocked.Increment(ref served);
                }
            })).ToArray();

        await Task.WhenAll(loops).Within();
        server.Dispose();
        return served;
    }
}
