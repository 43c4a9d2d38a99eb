namespace Ump.Tests;

/// <summary>The ValueTask of a server's wait follows the ValueTask rules, and says so when misused.</summary>
public sealed class ServerWaiterTests
{
    [Fact]
    public async Task ServerWaitAsync_ReadEarlyOrTwice_SaysHowToAwaitIt()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        var pending = server.WaitAsync();

        var early = Assert.Throws<InvalidOperationException>(() => pending.GetAwaiter().GetResult());
        var call = client.RequestAsync(1).AsTask();
        var (request, reply) = await pending.AsTask().Within();
        Assert.True(reply.Reply(request + 1));
        Assert.Equal(2, await call.Within());
        var twice = Assert.Throws<InvalidOperationException>(() => pending.GetAwaiter().GetResult());

        Assert.Contains("Await the ValueTask", early.Message, StringComparison.Ordinal);
        Assert.Contains("may be awaited only once", twice.Message, StringComparison.Ordinal);
    }
}
