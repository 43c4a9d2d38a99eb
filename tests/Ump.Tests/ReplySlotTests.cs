using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Tests;

/// <summary>The caller's side of a request: where its continuation runs, what a late give-up does, and what it leaves behind.</summary>
public sealed class ReplySlotTests
{
    [Fact]
    public async Task RequestAsync_ReplyFromAServerThread_CallerContinuesElsewhere()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var continuedOn = 0;

        async Task CallAsync()
        {
            Assert.Equal(2, await client.RequestAsync(1).ConfigureAwait(false));
            continuedOn = Environment.CurrentManagedThreadId;
        }

        var call = CallAsync();
        var repliedOn = await Bounded.OnThread(() =>
        {
            var (request, reply) = server.Wait();
            Assert.True(reply.Reply(request + 1));
            return Environment.CurrentManagedThreadId;
        });
        await call.Within();

        // Run inline, the caller's continuation would run inside Reply, on the server's thread.
        Assert.NotEqual(repliedOn, continuedOn);
    }

    [Fact]
    public async Task WaitReply_DisposedAfterTheReplyWithoutAWait_DoesNothing()
    {
        var recorder = new Recorder();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Observer = recorder });
        using var ownedServer = server;
        using var ownedClient = client;

        var wait = client.Send(1);
        var (request, reply) = await server.WaitAsync().Within();
        Assert.True(reply.Reply(request + 1));

        wait.Dispose();
        wait.Dispose();

        Assert.Throws<ObjectDisposedException>(() => wait.Wait());
        Assert.Equal([UmpOutcome.Reply], recorder.Completed.Select(c => c.Outcome));
        var next = client.RequestAsync(3).AsTask();
        (request, reply) = await server.WaitAsync().Within();
        Assert.True(reply.Reply(request + 1));
        Assert.Equal(4, await next.Within());
    }

    [Fact]
    public async Task ObserverState_OfAContextWhoseCallerGaveUp_NeverShowsALaterRequestsState()
    {
        var recorder = new Recorder();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Observer = recorder });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var first = client.RequestAsync(1, cts.Token).AsTask();
        var (_, stale) = await server.WaitAsync().Within();
        Assert.Equal(1, stale.ObserverState);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Within());

        // The next request may run on the same pooled slot as the one the stale context belonged to.
        var second = client.RequestAsync(2).AsTask();
        Assert.Null(stale.ObserverState);
        Assert.True(stale.IsPending);

        var (request, reply) = await server.WaitAsync().Within();
        Assert.Equal(2, reply.ObserverState);
        Assert.True(reply.Reply(request));
        Assert.Equal(2, await second.Within());
        Assert.False(stale.Reply(0));
    }

    [Fact]
    public async Task WaitReply_WaitAsyncAfterAWaitOrADispose_FailsThroughTheTask()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        var waited = client.Send(1);
        var (request, reply) = await server.WaitAsync().Within();
        reply.Reply(request);
        Assert.Equal(1, await waited.WaitAsync().Within());
        var again = waited.WaitAsync();

        var disposed = client.Send(2);
        disposed.Dispose();
        var afterDispose = disposed.WaitAsync();

        Assert.True(again.IsFaulted);
        var twice = await Assert.ThrowsAsync<InvalidOperationException>(() => again.Within());
        Assert.Contains("a single time", twice.Message, StringComparison.Ordinal);
        Assert.True(afterDispose.IsFaulted);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => afterDispose.Within());
    }

    [Fact]
    public async Task SendAsync_TokenFiringAfterItWaitedForRoom_LeavesTheRequestQueued()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var first = client.RequestAsync(1).AsTask();
        var send = client.SendAsync(2, cts.Token);
        Assert.False(send.IsCompleted, "The queue is full: the send waits for room.");
        var (request, reply) = await server.WaitAsync().Within();
        Assert.True(reply.Reply(request));
        using var wait = await send.Within();

        // The send's token ended only the send, which is over: the request stays in the queue.
        cts.Cancel();
        Assert.True(server.TryWait(out request, out reply), "The request was withdrawn by a token that only ended its send.");
        Assert.Equal(2, request);
        Assert.True(reply.Reply(20));
        Assert.Equal(20, await wait.WaitAsync().Within());
        Assert.Equal(1, await first.Within());
    }

    public enum Ending
    {
        RequestAsyncReplied,
        SendWaitedReplied,
        SendDisposedAfterTheReply,
        SendDisposedWhileQueued,
        SendDisposedAfterPickUp,
    }

    [Theory]
    [InlineData(Ending.RequestAsyncReplied)]
    [InlineData(Ending.SendWaitedReplied)]
    [InlineData(Ending.SendDisposedAfterTheReply)]
    [InlineData(Ending.SendDisposedWhileQueued)]
    [InlineData(Ending.SendDisposedAfterPickUp)]
    public async Task RequestTimeoutTimer_IsReleased_OnceTheCallerHasItsOutcome(Ending ending)
    {
        var time = new TimerCountingTimeProvider(new FakeTimeProvider());
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = TimeSpan.FromHours(1), TimeProvider = time });
        using var ownedServer = server;
        using var ownedClient = client;

        if (ending == Ending.RequestAsyncReplied)
        {
            var call = client.RequestAsync(1).AsTask();
            Assert.Equal(1, time.LiveTimers);
            var (request, reply) = await server.WaitAsync().Within();
            reply.Reply(request);
            Assert.Equal(1, await call.Within());
        }
        else
        {
            var wait = client.Send(1);
            Assert.Equal(1, time.LiveTimers);
            if (ending == Ending.SendDisposedWhileQueued)
            {
                wait.Dispose();
                Assert.False(server.TryWait(out _, out _), "A withdrawn request never reaches the server.");
            }
            else
            {
                var (request, reply) = await server.WaitAsync().Within();
                if (ending == Ending.SendDisposedAfterPickUp)
                {
                    wait.Dispose();
                    Assert.False(reply.Reply(request));
                }
                else
                {
                    reply.Reply(request);
                    if (ending == Ending.SendWaitedReplied)
                    {
                        Assert.Equal(1, await wait.WaitAsync().Within());
                    }

                    wait.Dispose();
                }
            }
        }

        Assert.Equal(0, time.LiveTimers);
    }

    private sealed class Recorder : UmpChannelObserver
    {
        private int _next;

        public ConcurrentQueue<(object? State, UmpOutcome Outcome)> Completed { get; } = new();

        public override object? OnRequestSent() => Interlocked.Increment(ref _next);

        public override void OnRequestCompleted(object? state, UmpOutcome outcome) => Completed.Enqueue((state, outcome));
    }

    /// <summary>Counts the timers created through it that are not disposed yet.</summary>
    private sealed class TimerCountingTimeProvider(TimeProvider inner) : TimeProvider
    {
        private int _live;

        public int LiveTimers => Volatile.Read(ref _live);

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _live);
            return new CountedTimer(this, inner.CreateTimer(callback, state, dueTime, period));
        }

        private sealed class CountedTimer(TimerCountingTimeProvider owner, ITimer timer) : ITimer
        {
            private int _disposed;

            public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Interlocked.Decrement(ref owner._live);
                }

                timer.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
