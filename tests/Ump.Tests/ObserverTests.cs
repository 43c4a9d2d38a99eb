using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Tests;

/// <summary>The observer hook the hosting package's telemetry stands on: one send, one outcome, per request.</summary>
public sealed class ObserverTests
{
    private sealed class Recorder : UmpChannelObserver
    {
        private int _next;

        public ConcurrentQueue<(object? State, UmpOutcome Outcome)> Completed { get; } = new();

        public ConcurrentQueue<object?> Collected { get; } = new();

        public override object? OnRequestSent() => Interlocked.Increment(ref _next);

        public override void OnRequestCompleted(object? state, UmpOutcome outcome) => Completed.Enqueue((state, outcome));

        public override void OnReplyContextCollected(object? state) => Collected.Enqueue(state);
    }

    [Fact]
    public async Task EveryOutcome_IsReportedOnce_WithTheStateFromItsSend()
    {
        var recorder = new Recorder();
        var time = new FakeTimeProvider();
        var (server, client) = UmpChannel.Create<int, int, string>(new() { Observer = recorder, RequestTimeout = TimeSpan.FromSeconds(1), TimeProvider = time });
        using var ownedClient = client;

        var replied = client.RequestAsync(1).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        Assert.Equal(1, reply.ObserverState);
        reply.Reply(1);
        Assert.Null(reply.ObserverState);
        await replied.Within();

        var failed = client.RequestAsync(2).AsTask();
        (_, reply) = await server.WaitAsync().Within();
        reply.Fail("no");
        await Assert.ThrowsAsync<UmpException<string>>(() => failed.Within());

        var abandoned = client.RequestAsync(3).AsTask();
        (_, reply) = await server.WaitAsync().Within();
        reply.Dispose();
        await Assert.ThrowsAsync<UmpException>(() => abandoned.Within());

        using (var cts = new CancellationTokenSource())
        {
            var canceled = client.RequestAsync(4, cts.Token).AsTask();
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Within());
        }

        var timedOut = client.RequestAsync(5).AsTask();
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => timedOut.Within());

        var gone = client.RequestAsync(6).AsTask();
        server.Dispose();
        await Assert.ThrowsAsync<UmpException>(() => gone.Within());

        await Bounded.Until(() => recorder.Completed.Count == 6, "every outcome is reported");
        Assert.Equal(
            new (object?, UmpOutcome)[]
            {
                (1, UmpOutcome.Reply), (2, UmpOutcome.AppError), (3, UmpOutcome.NoReply),
                (4, UmpOutcome.Canceled), (5, UmpOutcome.Timeout), (6, UmpOutcome.ServerDisappeared),
            },
            recorder.Completed.OrderBy(c => (int)c.State!));
    }

    [Fact]
    public async Task CollectedReplyContext_IsReported_ThenTheCallerGetsNoReply()
    {
        var recorder = new Recorder();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Observer = recorder });
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        await TakeAndForget(server);
        await Bounded.CollectUntilCompleted(call);

        Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        Assert.Equal([1], recorder.Collected.ToArray());
        await Bounded.Until(() => recorder.Completed.Count == 1, "the outcome is reported");
        Assert.Equal(UmpOutcome.NoReply, recorder.Completed.Single().Outcome);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task TakeAndForget(Server<int, int, NoError> server) => await server.WaitAsync().Within();

    [Fact]
    public async Task Count_IsTheNumberOfQueuedRequests()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        Assert.Equal(0, server.Count);
        var calls = Enumerable.Range(0, 3).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        Assert.Equal(3, server.Count);
        var (request, reply) = await server.WaitAsync().Within();
        Assert.Equal(2, server.Count);
        reply.Reply(request);
        await calls[0].Within();
    }

    [Fact]
    public async Task NoObserver_ObserverStateIsNull()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1);
        Assert.True(server.TryWait(out _, out var reply));
        Assert.Null(reply.ObserverState);
        reply.Reply(1);
        Assert.Equal(1, await call.Within());
    }
}
