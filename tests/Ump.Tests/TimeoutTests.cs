using Microsoft.Extensions.Time.Testing;

namespace Ump.Tests;

/// <summary>RequestTimeout, measured from the send, driven by a fake clock.</summary>
public sealed class TimeoutTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Create_NonPositiveTimeout_Throws(int seconds)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = TimeSpan.FromSeconds(seconds) }));
        Assert.Contains("RequestTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NullTimeProvider_Throws() =>
        Assert.Throws<ArgumentNullException>(() => UmpChannel.Create<int, int, NoError>(new() { TimeProvider = null! }));

    [Fact]
    public void Options_Defaults()
    {
        var options = new UmpChannelOptions();
        Assert.Null(options.Capacity);
        Assert.Null(options.RequestTimeout);
        Assert.Same(TimeProvider.System, options.TimeProvider);
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task Timeout_BeforePickup_CallerGetsTimeout_RequestIsWithdrawn(Caller caller)
    {
        var time = new FakeTimeProvider();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = TimeSpan.FromSeconds(2), TimeProvider = time });
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.Call(caller, 1);
        await Bounded.Until(() => server.Count == 1, "the request is queued");
        time.Advance(TimeSpan.FromSeconds(1));
        await Bounded.StillPending(call);
        time.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => call.Within());
        Assert.Contains("RequestTimeout", ex.Message, StringComparison.Ordinal);
        Assert.False(server.TryWait(out _, out _));
    }

    [Theory]
    [MemberData(nameof(Modes.AllCallers), MemberType = typeof(Modes))]
    public async Task Timeout_AfterPickup_CallerGetsTimeout_RequestAbortedFires(Caller caller)
    {
        var time = new FakeTimeProvider();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = TimeSpan.FromSeconds(2), TimeProvider = time });
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.Call(caller, 1);
        var (_, reply) = await server.WaitAsync().Within();
        var aborted = Bounded.NewSignal();
        reply.RequestAborted.Register(() => aborted.TrySetResult());

        time.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<TimeoutException>(() => call.Within());
        await aborted.Task.Within();
        Assert.False(reply.Reply(1));
    }

    [Fact]
    public async Task Timeout_IsMeasuredFromTheSend_QueueTimeIncluded()
    {
        var time = new FakeTimeProvider();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = TimeSpan.FromSeconds(10), TimeProvider = time });
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        time.Advance(TimeSpan.FromSeconds(9));
        var (_, reply) = await server.WaitAsync().Within();
        time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<TimeoutException>(() => call.Within());
        Assert.False(reply.Reply(1));
    }

    [Fact]
    public async Task ReplyBeforeTimeout_Wins_LaterTimerDoesNothing()
    {
        var time = new FakeTimeProvider();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = TimeSpan.FromSeconds(1), TimeProvider = time });
        using var ownedServer = server;
        using var ownedClient = client;

        for (var i = 0; i < 20; i++)
        {
            var call = client.RequestAsync(i).AsTask();
            var (request, reply) = await server.WaitAsync().Within();
            Assert.True(reply.Reply(request));
            Assert.Equal(i, await call.Within());
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task CancelBeforeTimeout_DecidesTheException()
    {
        var time = new FakeTimeProvider();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = TimeSpan.FromSeconds(1), TimeProvider = time });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var call = client.RequestAsync(1, cts.Token).AsTask();
        cts.Cancel();
        time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
    }
}
