namespace Ump.Tests;

/// <summary>The Rust crate ump's own test suite, ported, each with sync and async callers.</summary>
public sealed class UmpCratePortTests
{
    public enum Side
    {
        Sync,
        Async,
    }

    public static IEnumerable<object[]> Sides() =>
        from caller in Enum.GetValues<Side>()
        from server in Enum.GetValues<Side>()
        select new object[] { caller, server };

    // ump: tests/reply.rs — a server thread replies with the request doubled.
    [Theory]
    [MemberData(nameof(Sides))]
    public async Task Reply(Side caller, Side server)
    {
        var (srv, client) = UmpChannel.Create<string, string, NoError>();
        var serving = Serve(srv, server, count: 1, (request, reply) => reply.Reply(request + request));

        var result = caller == Side.Sync
            ? await Bounded.OnThread(() => client.Request("hello")).Within()
            : await client.RequestAsync("hello").Within();

        Assert.Equal("hellohello", result);
        client.Dispose();
        await serving.Within();
    }

    // ump: tests/fail.rs — the server fails the request with an application error.
    [Theory]
    [MemberData(nameof(Sides))]
    public async Task Fail(Side caller, Side server)
    {
        var (srv, client) = UmpChannel.Create<string, string, string>();
        var serving = Serve(srv, server, count: 1, (_, reply) => reply.Fail("A serious error"));

        var call = caller == Side.Sync
            ? Bounded.OnThread(() => client.Request("hello"))
            : client.RequestAsync("hello").AsTask();

        var ex = await Assert.ThrowsAsync<UmpException<string>>(() => call.Within());
        Assert.Equal("A serious error", ex.Error);
        client.Dispose();
        await serving.Within();
    }

    // ump: tests/noreply.rs — the server drops the reply context.
    [Theory]
    [MemberData(nameof(Sides))]
    public async Task NoReply(Side caller, Side server)
    {
        var (srv, client) = UmpChannel.Create<string, string, NoError>();
        var serving = Serve(srv, server, count: 1, (_, reply) => reply.Dispose());

        var call = caller == Side.Sync
            ? Bounded.OnThread(() => client.Request("hello"))
            : client.RequestAsync("hello").AsTask();

        var ex = await Assert.ThrowsAsync<UmpException>(() => call.Within());
        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        client.Dispose();
        await serving.Within();
    }

    // ump: tests/queue_cleanup.rs — requests queued when the server is dropped fail with ServerDisappeared.
    [Theory]
    [InlineData(Side.Sync)]
    [InlineData(Side.Async)]
    public async Task QueueCleanup(Side caller)
    {
        var (srv, client) = UmpChannel.Create<int, int, NoError>();
        var calls = Enumerable.Range(0, 4)
            .Select(i => caller == Side.Sync ? Bounded.OnThread(() => client.Request(i)) : client.RequestAsync(i).AsTask())
            .ToArray();

        // Take one request and keep its context: a context outlives its server.
        var (first, reply) = await srv.WaitAsync().Within();
        srv.Dispose();
        Assert.True(reply.Reply(first * 100));

        var outcomes = await Task.WhenAll(calls.Select(async c =>
        {
            try
            {
                return (int?)await c.Within();
            }
            catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared)
            {
                return null;
            }
        }));

        Assert.Single(outcomes, o => o is not null);
        Assert.Equal(3, outcomes.Count(o => o is null));
        Assert.Equal(first * 100, outcomes.Single(o => o is not null));
        client.Dispose();
    }

    // ump: tests/stress.rs (one_at_a_time) — 65,535 sequential round trips.
    [Theory]
    [MemberData(nameof(Sides))]
    public async Task OneAtATime(Side caller, Side server)
    {
        const int rounds = 65_535;
        var (srv, client) = UmpChannel.Create<int, int, NoError>();
        var serving = Serve(srv, server, count: rounds, (request, reply) => reply.Reply(request + 1));

        if (caller == Side.Sync)
        {
            await Bounded.OnThread(() =>
            {
                for (var i = 0; i < rounds; i++)
                {
                    Assert.Equal(i + 1, client.Request(i));
                }
            }).Within();
        }
        else
        {
            await Task.Run(async () =>
            {
                for (var i = 0; i < rounds; i++)
                {
                    Assert.Equal(i + 1, await client.RequestAsync(i));
                }
            }).Within();
        }

        client.Dispose();
        await serving.Within();
    }

    // ump: tests/threaded_handler.rs — the server hands each reply context to another thread, which replies.
    [Theory]
    [MemberData(nameof(Sides))]
    public async Task ThreadedHandler(Side caller, Side server)
    {
        const int count = 200;
        var (srv, client) = UmpChannel.Create<int, int, NoError>();
        var workers = new List<Task>();
        var serving = Serve(srv, server, count, (request, reply) =>
        {
            lock (workers)
            {
                workers.Add(Bounded.OnThread(() => reply.Reply(request * 2)));
            }
        });

        var calls = Enumerable.Range(0, count)
            .Select(i => caller == Side.Sync ? Bounded.OnThread(() => client.Request(i)) : client.RequestAsync(i).AsTask())
            .ToArray();

        var results = await Task.WhenAll(calls).Within();
        Assert.Equal(Enumerable.Range(0, count).Select(i => i * 2), results);
        client.Dispose();
        await serving.Within();
        await Task.WhenAll(workers).Within();
    }

    // ump: tests/async_client.rs — an async client against a blocking server thread, many requests in flight.
    [Fact]
    public async Task AsyncClient()
    {
        const int count = 1_000;
        var (srv, client) = UmpChannel.Create<string, int, NoError>();
        var serving = Serve(srv, Side.Sync, count, (request, reply) => reply.Reply(request.Length));

        var calls = Enumerable.Range(0, count).Select(i => client.RequestAsync(new string('x', i)).AsTask()).ToArray();
        Assert.Equal(Enumerable.Range(0, count), await Task.WhenAll(calls).Within());
        client.Dispose();
        await serving.Within();
    }

    /// <summary>Serves <paramref name="count"/> requests, then expects ClientsDisappeared once the test disposes its clients.</summary>
    private static Task Serve<TReq, TReply, TErr>(Server<TReq, TReply, TErr> server, Side side, int count, Action<TReq, ReplyContext<TReply, TErr>> handle)
    {
        if (side == Side.Sync)
        {
            return Bounded.OnThread(() =>
            {
                using (server)
                {
                    for (var i = 0; i < count; i++)
                    {
                        var (request, reply) = server.Wait();
                        handle(request, reply);
                    }

                    Assert.Equal(UmpErrorKind.ClientsDisappeared, Assert.Throws<UmpException>(() => server.Wait()).Kind);
                }
            });
        }

        return Task.Run(async () =>
        {
            using (server)
            {
                for (var i = 0; i < count; i++)
                {
                    var (request, reply) = await server.WaitAsync();
                    handle(request, reply);
                }

                Assert.Equal(UmpErrorKind.ClientsDisappeared, (await Assert.ThrowsAsync<UmpException>(() => server.WaitAsync().AsTask())).Kind);
            }
        });
    }
}
