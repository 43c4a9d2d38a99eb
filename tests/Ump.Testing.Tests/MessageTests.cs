using Microsoft.Extensions.DependencyInjection;

namespace Ump.Testing.Tests;

/// <summary>What the kit's exceptions and descriptions say: who failed, and what to do instead.</summary>
public sealed class MessageTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Script_SecondOutcome_SaysItAlreadyHasOne()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var script = fake.OnNext();
        script.Reply("one");

        var ex = Assert.Throws<InvalidOperationException>(() => script.NoReply());

        Assert.StartsWith("This script already has its outcome.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hold_SecondRelease_SaysItWasReleased()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();
        var hold = fake.OnNext().Hold();
        hold.Reply("one");

        var ex = Assert.Throws<InvalidOperationException>(() => hold.Fail(TestError.Refused));

        Assert.StartsWith("This hold was already released", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposedFake_SaysItWasDisposed()
    {
        var fake = new FakeUmpServer<int, string, TestError>();
        await fake.DisposeAsync();

        var ex = Assert.Throws<ObjectDisposedException>(() => fake.OnNext());

        Assert.Contains("This FakeUmpServer has been disposed.", ex.Message, StringComparison.Ordinal);
        Assert.Equal("FakeUmpServer`3", ex.ObjectName);
    }

    [Fact]
    public async Task FakeDisposedWhileWaitingForRequests_SaysHowManyArrived_AndWhatToDo()
    {
        var fake = new FakeUmpServer<int, string, TestError>(n => "x");
        await fake.Client.RequestAsync(1).Within();
        var waiting = fake.WaitForRequestsAsync(3, Bounded.Timeout, TestToken);
        await Bounded.StillPending(waiting);

        fake.Dispose();

        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.Within());
        Assert.Contains("The fake server was disposed after 1 of the 3 requests expected. Wait for the requests before disposing it.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FakeWaitForRequests_TooFew_TimeoutNamesTheFake()
    {
        await using var fake = new FakeUmpServer<int, string, TestError>();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => fake.WaitForRequestsAsync(1, TimeSpan.FromMilliseconds(20), TestToken));

        Assert.StartsWith("The fake server received 0 of the 1 requests expected within", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recorder_OfTheUnnamedServer_TimeoutCallsItUnnamed()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new HandlerCalls()).AddUmpServer<int, string, TestError, CountingRealHandler>();
        var recorder = services.RecordUmpRequests<int, string, TestError>();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => recorder.WaitForRequestsAsync(1, TimeSpan.FromMilliseconds(20), TestToken));

        Assert.Equal(string.Empty, recorder.ServerName);
        Assert.StartsWith("Ump server '(unnamed)' received 0 of the 1 requests expected within", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outcome_NullReply_DescribedAsNull()
    {
        var handler = new LambdaHandler((_, reply, _) =>
        {
            reply.Reply(null!);
            return default;
        });

        var outcome = await UmpHandlerTester.RunAsync(handler, 1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Replied, outcome.Kind);
        Assert.Equal("Replied: null", outcome.ToString());
    }
}
