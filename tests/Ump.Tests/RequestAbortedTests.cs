namespace Ump.Tests;

/// <summary>RequestAborted costs nothing when the caller cannot give up, and is live when it can.</summary>
public sealed class RequestAbortedTests
{
    [Fact]
    public async Task RequestAborted_CallerWithoutTokenOrTimeout_NeverFires()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        var call = client.RequestAsync(1).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        Assert.False(reply.RequestAborted.CanBeCanceled);
        reply.Reply(1);
        Assert.Equal(1, await call.Within());
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    public async Task RequestAborted_CallerThatCanGiveUp_CanBeCanceled(bool token, bool timeout, bool send)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = timeout ? TimeSpan.FromHours(1) : null });
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var call = send ? client.Send(1).WaitAsync().AsTask() : client.RequestAsync(1, token ? cts.Token : default).AsTask();
        var (_, reply) = await server.WaitAsync().Within();
        Assert.True(reply.RequestAborted.CanBeCanceled);
        Assert.False(reply.RequestAborted.IsCancellationRequested);
        reply.Reply(1);
        Assert.Equal(1, await call.Within());
    }
}
