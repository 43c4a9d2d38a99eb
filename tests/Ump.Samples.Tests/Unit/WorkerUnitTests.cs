using Microsoft.Extensions.DependencyInjection;
using Ump.Samples.Worker;
using Ump.Testing;

namespace Ump.Samples.Tests.Unit;

public sealed class WorkerUnitTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("abc", 1)]
    [InlineData("abc", 3)]
    public async Task HashingHandler_RepliesWithTheHashTheCallerExpects(string text, int rounds)
    {
        using var handler = new HashingHandler();

        var outcome = await UmpHandlerTester.RunAsync(handler, new HashRequest(text, rounds), TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Replied, outcome.Kind);
        Assert.Equal(HashingHandler.Expected(new HashRequest(text, rounds)), outcome.Reply.Hex);
    }

    [Fact]
    public async Task HashingHandler_OneRoundOfAbc_IsSha256OfAbc()
    {
        using var handler = new HashingHandler();

        var outcome = await UmpHandlerTester.RunAsync(handler, new HashRequest("abc"), TestToken);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", outcome.Reply.Hex);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(HashingHandler.MaxRounds + 1)]
    public async Task HashingHandler_RoundsOutOfRange_FailsWithInvalidRounds(int rounds)
    {
        using var handler = new HashingHandler();

        var outcome = await UmpHandlerTester.RunAsync(handler, new HashRequest("abc", rounds), TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(HashError.InvalidRounds, outcome.Error);
    }

    [Fact]
    public async Task HashingHandler_AsTheHostCreatesIt_InAScopeOfItsOwn_Replies()
    {
        await using var services = new ServiceCollection().BuildServiceProvider();

        var outcome = await UmpHandlerTester.RunAsync<HashRequest, HashReply, HashError, HashingHandler>(services, new HashRequest("abc", HashingHandler.MaxRounds), TestToken);

        Assert.Equal(HashingHandler.Expected(new HashRequest("abc", HashingHandler.MaxRounds)), outcome.Reply.Hex);
    }
}
