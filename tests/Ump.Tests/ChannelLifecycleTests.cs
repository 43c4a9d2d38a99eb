namespace Ump.Tests;

/// <summary>A server wait that is already decided, and why waits end once no more requests can arrive.</summary>
public sealed class ChannelLifecycleTests
{
    public enum Ending
    {
        LastClientDisposed,
        ServerCompleted,
        ServerDisposed,
    }

    [Fact]
    public async Task WaitCanceled_AfterARequestWasHandedToIt_StillReturnsTheRequest()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        using var cts = new CancellationTokenSource();

        var wait = server.WaitAsync(cts.Token);
        var call = client.RequestAsync(1).AsTask();
        await Bounded.Until(() => wait.IsCompleted, "the request reached the waiting server");
        cts.Cancel();

        var (request, reply) = await wait;
        Assert.Equal(1, request);
        Assert.True(reply.Reply(10));
        Assert.Equal(10, await call.Within());

        // The server's next wait starts afresh: it waits, and gets the next request.
        var next = server.WaitAsync().AsTask();
        await Bounded.StillPending(next);
        var second = client.RequestAsync(2).AsTask();
        (request, reply) = await next.Within();
        Assert.Equal(2, request);
        reply.Reply(20);
        Assert.Equal(20, await second.Within());
    }

    [Theory]
    [InlineData(Ending.LastClientDisposed)]
    [InlineData(Ending.ServerCompleted)]
    [InlineData(Ending.ServerDisposed)]
    public async Task WaitCanceled_AfterItWasReleasedByTheEnd_KeepsTheEndsOutcome(Ending ending)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var cts = new CancellationTokenSource();

        var wait = server.WaitAsync(cts.Token);
        switch (ending)
        {
            case Ending.LastClientDisposed:
                client.Dispose();
                break;
            case Ending.ServerCompleted:
                server.Complete();
                break;
            case Ending.ServerDisposed:
                server.Dispose();
                break;
        }

        await Bounded.Until(() => wait.IsCompleted, "the end reached the waiting server");
        cts.Cancel();

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => wait.AsTask());
        if (ending == Ending.ServerDisposed)
        {
            Assert.IsType<ObjectDisposedException>(ex);
        }
        else
        {
            Assert.Equal(UmpErrorKind.ClientsDisappeared, Assert.IsType<UmpException>(ex).Kind);
        }

        client.Dispose();
    }

    [Theory]
    [InlineData(Serve.WaitAsync)]
    [InlineData(Serve.TryWait)]
    public async Task Wait_AfterTheLastClientLeft_SaysEveryClientIsGone(Serve serve)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        client.Dispose();

        var ex = await Assert.ThrowsAsync<UmpException>(() => Take(server, serve));

        Assert.Equal(UmpErrorKind.ClientsDisappeared, ex.Kind);
        Assert.Contains("Every client", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Complete", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Serve.WaitAsync)]
    [InlineData(Serve.TryWait)]
    public async Task Wait_AfterComplete_SaysTheServerWasCompleted(Serve serve)
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;
        server.Complete();

        var ex = await Assert.ThrowsAsync<UmpException>(() => Take(server, serve));

        Assert.Equal(UmpErrorKind.ClientsDisappeared, ex.Kind);
        Assert.Contains("Server.Complete", ex.Message, StringComparison.Ordinal);
    }

    private static Task Take(Server<int, int, NoError> server, Serve serve) =>
        serve == Serve.TryWait ? Task.FromResult(server.TryWait(out _, out _)) : server.WaitAsync().AsTask();
}
