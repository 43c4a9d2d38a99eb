namespace Ump.Orleans.Tests;

/// <summary>What a remote reason looks like on the caller's side.</summary>
public sealed class RemoteExceptionTests
{
    [Fact]
    public void RemoteReasonWithoutAMessage_SaysTheRemoteHandlerGaveNoAnswer()
    {
        var ex = new UmpRemoteException("System.InvalidOperationException", (string?)null);

        Assert.Equal("System.InvalidOperationException", ex.RemoteType);
        Assert.Contains("remote handler gave no answer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_OfARemoteReason_StartsWithTheRemoteTypeAndSaysItIsRemote()
    {
        var ex = new UmpRemoteException("System.InvalidOperationException", "the store is corrupt");

        var text = ex.ToString();

        Assert.StartsWith("System.InvalidOperationException (remote): ", text, StringComparison.Ordinal);
        Assert.Contains("the store is corrupt", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_WithoutARemoteType_IsTheUsualExceptionText()
    {
        var ex = new UmpRemoteException("no answer");

        var text = ex.ToString();

        Assert.Null(ex.RemoteType);
        Assert.StartsWith(typeof(UmpRemoteException).FullName + ": no answer", text, StringComparison.Ordinal);
        Assert.DoesNotContain("(remote)", text, StringComparison.Ordinal);
    }
}
