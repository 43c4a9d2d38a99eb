namespace Ump.Testing.Internal;

/// <summary>Which requests a script takes (all, or those its predicate accepts; a number of them, or every one) and what it does with them.</summary>
internal sealed class Script<TReq, TReply, TErr>(Func<TReq, bool>? predicate, int? uses)
{
    private int? _uses = uses;

    public ScriptedAnswer<TReq, TReply, TErr>? Answer { get; init; }

    public FakeUmpHold<TReq, TReply, TErr>? Hold { get; init; }

    /// <summary>Takes <paramref name="request"/> if the script matches it and has uses left; called under the fake's lock.</summary>
    public bool TryTake(TReq request)
    {
        if (_uses == 0 || (predicate is not null && !predicate(request)))
        {
            return false;
        }

        _uses--;
        return true;
    }
}
