namespace Ump.Tests;

/// <summary>The small public value types: <see cref="NoError"/> and the exception constructors users call themselves.</summary>
public sealed class ValueTypeTests
{
    [Fact]
    public void NoError_EveryValueEqualsEveryOther()
    {
        NoError a = default, b = new();

        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(0, a.GetHashCode());
    }

    [Fact]
    public void NoError_IsNotEqualToOtherTypes_AndPrintsItsName()
    {
        NoError value = default;

        Assert.False(value.Equals(null));
        Assert.False(value.Equals((object)0));
        Assert.Equal("NoError", value.ToString());
    }

    [Fact]
    public void UmpException_WithoutAKind_IsNoReply()
    {
        var inner = new InvalidOperationException("cause");

        var bare = new UmpException();
        var withMessage = new UmpException("gone");
        var withInner = new UmpException("gone", inner);

        Assert.All(new[] { bare, withMessage, withInner }, e => Assert.Equal(UmpErrorKind.NoReply, e.Kind));
        Assert.Equal("The request ended without a reply.", bare.Message);
        Assert.Equal("gone", withMessage.Message);
        Assert.Null(withMessage.InnerException);
        Assert.Same(inner, withInner.InnerException);
    }

    [Fact]
    public void UmpException_KeepsTheKindAndTheCause()
    {
        var inner = new InvalidOperationException("cause");

        var e = new UmpException(UmpErrorKind.ServerDisappeared, "server gone", inner);

        Assert.Equal(UmpErrorKind.ServerDisappeared, e.Kind);
        Assert.Equal("server gone", e.Message);
        Assert.Same(inner, e.InnerException);
    }
}
