namespace Ump.Tests;

/// <summary>
/// Every error a user can meet names what happened and what to do next, and each error path reports its own kind and
/// message (a completed server is not mistaken for a channel whose clients are gone, a reason is pointed to only when given).
/// </summary>
public sealed class ErrorMessageTests
{
    [Fact]
    public async Task DisposedClient_SaysHowToGetAWorkingOne()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        client.Dispose();

        var sync = Assert.Throws<ObjectDisposedException>(() => client.Request(1));
        var async = await Assert.ThrowsAsync<ObjectDisposedException>(() => client.RequestAsync(1).AsTask()).Within();

        foreach (var e in new[] { sync, async })
        {
            Assert.Equal("Client", e.ObjectName);
            Assert.Contains("IUmpClientFactory.CreateClient()", e.Message, StringComparison.Ordinal);
            Assert.Contains("WeakClient.Upgrade()", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DisposedServer_SaysToCreateANewChannel()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = client;
        server.Dispose();

        var e = Assert.Throws<ObjectDisposedException>(() => server.Wait());

        Assert.Contains("UmpChannel.Create()", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsedAndDefaultReplyContexts_SayWhichOneToUse()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        using var __ = client;
        using var wait = client.Send(1);
        var (_, reply) = server.Wait();
        Assert.True(reply.Reply(2));

        var used = Assert.Throws<InvalidOperationException>(() => reply.Reply(3));
        var usedFail = Assert.Throws<InvalidOperationException>(() => reply.Fail("late"));
        var @default = Assert.Throws<InvalidOperationException>(() => default(ReplyContext<int, string>).Reply(1));

        Assert.Contains("the first one stands", used.Message, StringComparison.Ordinal);
        Assert.Equal(used.Message, usedFail.Message);
        Assert.Contains("Server.Wait", @default.Message, StringComparison.Ordinal);
        Assert.Equal(2, wait.Wait());
    }

    [Fact]
    public void WaitReply_WaitedTwiceOrDisposed_SaysHowToWaitOnce()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        using var __ = client;
        var first = client.Send(1);
        var (_, reply) = server.Wait();
        reply.Reply(2);
        Assert.Equal(2, first.Wait());

        var twice = Assert.Throws<InvalidOperationException>(() => first.Wait());
        var second = client.Send(2);
        second.Dispose();
        var disposed = Assert.Throws<ObjectDisposedException>(() => second.Wait());

        Assert.Contains("a single time", twice.Message, StringComparison.Ordinal);
        Assert.Contains("Wait for the reply before disposing", disposed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerDisappeared_SaysToSendAgain()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = client;
        server.Dispose();

        var e = Assert.Throws<UmpException>(() => client.Request(1));

        Assert.Equal(UmpErrorKind.ServerDisappeared, e.Kind);
        Assert.Contains("Send it again to a live server", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientsDisappeared_AndACompletedServer_AreToldApart()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        client.Dispose();
        var (completed, other) = UmpChannel.Create<int, int, string>();
        using var __ = completed;
        using var ___ = other;
        completed.Complete();

        var gone = Assert.Throws<UmpException>(() => server.Wait());
        var done = Assert.Throws<UmpException>(() => completed.Wait());

        Assert.Equal(UmpErrorKind.ClientsDisappeared, gone.Kind);
        Assert.Equal(UmpErrorKind.ClientsDisappeared, done.Kind);
        Assert.Contains("Every client of this Ump channel has been disposed", gone.Message, StringComparison.Ordinal);
        Assert.Contains("Server.Complete", done.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Server.Complete", gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoReply_PointsToTheReason_OnlyWhenOneWasGiven()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        using var __ = client;
        var reason = new InvalidOperationException("handler gave up");
        using var withReason = client.Send(1);
        using var without = client.Send(2);
        server.Wait().Reply.Abandon(reason);
        server.Wait().Reply.Abandon(null);

        var e1 = Assert.Throws<UmpException>(() => withReason.Wait());
        var e2 = Assert.Throws<UmpException>(() => without.Wait());

        Assert.Equal(UmpErrorKind.NoReply, e1.Kind);
        Assert.Equal(UmpErrorKind.NoReply, e2.Kind);
        Assert.Same(reason, e1.InnerException);
        Assert.Null(e2.InnerException);
        Assert.Contains("See the inner exception", e1.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", e2.Message, StringComparison.Ordinal);
        Assert.EndsWith("A handler must answer every request exactly once.", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AppError_NamesTheErrorAndHowToCatchIt()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        using var __ = client;
        using var wait = client.Send(1);
        server.Wait().Reply.Fail("out of stock");

        var e = Assert.Throws<UmpException<string>>(() => wait.Wait());

        Assert.Equal(UmpErrorKind.App, e.Kind);
        Assert.Equal("out of stock", e.Error);
        Assert.Contains("out of stock", e.Message, StringComparison.Ordinal);
        Assert.Contains("Catch UmpException<String>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Abandon_WithAnApplicationKind_SaysToUseFail()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        using var __ = client;
        using var wait = client.Send(1);
        var (_, reply) = server.Wait();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => reply.Abandon(UmpErrorKind.App, null));

        Assert.Contains("use Fail", e.Message, StringComparison.Ordinal);
        Assert.True(reply.IsPending);
        Assert.True(reply.Abandon(UmpErrorKind.ServerDisappeared, null));
        Assert.Equal(UmpErrorKind.ServerDisappeared, Assert.Throws<UmpException>(() => wait.Wait()).Kind);
    }

    [Fact]
    public void MissingTimeProvider_NamesTheOption()
    {
        var e = Assert.Throws<ArgumentNullException>(() => UmpChannel.Create<int, int, string>(new() { TimeProvider = null! }));

        Assert.Equal("options.TimeProvider", e.ParamName);
    }

    [Fact]
    public void ReplyContexts_AreEqualOnlyToThemselves()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        using var __ = client;
        using var w1 = client.Send(1);
        using var w2 = client.Send(2);
        var (_, a) = server.Wait();
        var (_, b) = server.Wait();
        var copy = a;

        Assert.True(a == copy);
        Assert.False(a != copy);
        Assert.True(a.Equals((object)copy));
        Assert.Equal(a.GetHashCode(), copy.GetHashCode());
        Assert.False(a == b);
        Assert.True(a != b);
        Assert.False(a.Equals((object)b));
        Assert.False(a.Equals("not a context"));
        Assert.True(default(ReplyContext<int, string>) == default);
        Assert.True(a.Reply(10) && b.Reply(20));
    }

    [Fact]
    public async Task MisusedValueTasks_SayHowToAwaitThem()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        using var __ = client;
        var pending = client.RequestAsync(1);

        var early = Assert.Throws<InvalidOperationException>(() => pending.GetAwaiter().GetResult());
        server.Wait().Reply.Reply(2);
        Assert.Equal(2, await pending.AsTask().Within());
        var twice = Assert.Throws<InvalidOperationException>(() => pending.GetAwaiter().GetResult());

        Assert.Contains("Await the ValueTask", early.Message, StringComparison.Ordinal);
        Assert.Contains("may be awaited only once", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitReply_DisposedDuringAWait_SaysTheWaitWasGivenUp()
    {
        var (server, client) = UmpChannel.Create<int, int, string>();
        using var _ = server;
        using var __ = client;
        var wait = client.Send(1);
        var waiting = wait.WaitAsync().AsTask();

        wait.Dispose();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Within());
        Assert.Contains("disposed while a wait on it was in progress", e.Message, StringComparison.Ordinal);
    }
}
