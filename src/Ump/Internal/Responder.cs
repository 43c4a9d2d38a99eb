namespace Ump.Internal;

/// <summary>
/// The server's side of one taken request, behind the <see cref="ReplyContext{TReply, TErr}"/> value.
/// Pooled; finalizable as the safety net for a forgotten reply context.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="_version"/> is even while a request is bound and odd once its one use has been claimed;
/// binding the next request moves it to the next even value, so it never returns to an old value.
/// A <see cref="ReplyContext{TReply, TErr}"/> carries the version it was created with: a stale copy fails
/// the claim and can never answer a different request.
/// </para>
/// <para>
/// Only reply context values (and, while idle, the pool) reference a responder: the caller's slot does
/// not. So once every copy of a reply context is unreachable, the finalizer runs and gives the caller
/// <see cref="UmpErrorKind.NoReply"/> instead of leaving it waiting forever.
/// </para>
/// </remarks>
internal sealed class Responder<TReply, TErr>
{
    private readonly ChannelCore<TReply, TErr> _owner;
    private ReplySlot<TReply, TErr>? _slot;
    private int _slotToken;
    private int _version = 1;

    internal Responder(ChannelCore<TReply, TErr> owner) => _owner = owner;

    ~Responder()
    {
        var version = Volatile.Read(ref _version);
        // Stryker disable once Logical,Arithmetic : equivalent; the object is unreachable, so no claim can race this one and nobody reads the version again, and an odd (claimed) version always comes with _slot cleared.
        if ((version & 1) == 0 && Interlocked.CompareExchange(ref _version, version + 1, version) == version &&
            _slot is { } slot)
        {
            _owner.Observer?.OnReplyContextCollected(slot.ObserverStateFor(_slotToken));
            slot.TryFail(_slotToken, ThrowHelper.CreateNoReplyCollected());
        }
    }

    /// <summary>Binds a taken request and returns the version for its reply context.</summary>
    internal int Bind(ReplySlot<TReply, TErr> slot, int slotToken)
    {
        _slot = slot;
        _slotToken = slotToken;
        var version = _version + 1;
        Volatile.Write(ref _version, version);
        return version;
    }

    internal bool IsLive(int version) => Volatile.Read(ref _version) == version;

    internal bool Reply(int version, TReply value)
    {
        if (!TryClaim(version, out var slot, out var token))
        {
            ThrowHelper.ThrowReplyContextUsed();
        }

        SchedulePoint.Reached("Responder.Claimed");
        return slot.TryReply(token, value);
    }

    internal bool Fail(int version, Exception error)
    {
        if (!TryClaim(version, out var slot, out var token))
        {
            ThrowHelper.ThrowReplyContextUsed();
        }

        return slot.TryFail(token, error);
    }

    /// <summary>
    /// Ends the bound request with <paramref name="error"/> without claiming the context: the holder's later Reply or
    /// Fail claims it and finds the request over (false), as after a caller gave up. False when the request already
    /// had an outcome or the context was used.
    /// </summary>
    internal bool Abort(int version, Exception error)
    {
        // Seqlock-style read, as in GetRequestAborted; the slot's token CAS decides against a racing reply or give-up.
        if (Volatile.Read(ref _version) != version)
        {
            return false;
        }

        var slot = _slot;
        var token = _slotToken;
        SchedulePoint.Reached("Responder.AbortRead");
        return slot is not null && Volatile.Read(ref _version) == version && slot.TryFail(token, error);
    }

    /// <summary>Dispose: gives the caller NoReply unless the context was already used; never throws.</summary>
    internal void Release(int version)
    {
        if (TryClaim(version, out var slot, out var token))
        {
            slot.TryFail(token, ThrowHelper.CreateNoReply(reason: null));
        }
    }

    internal object? GetObserverState(int version)
    {
        // Stryker disable once Block : equivalent; the seqlock re-check below returns null for the same condition.
        if (Volatile.Read(ref _version) != version)
        {
            return null;
        }

        var slot = _slot;
        var token = _slotToken;
        return slot is null || Volatile.Read(ref _version) != version ? null : slot.ObserverStateFor(token);
    }

    internal CancellationToken GetRequestAborted(int version)
    {
        // Seqlock-style read: the slot fields are consistent if the version is unchanged around them.
        // Stryker disable once Block : equivalent; the seqlock re-check below returns None for the same condition.
        if (Volatile.Read(ref _version) != version)
        {
            return CancellationToken.None;
        }

        var slot = _slot;
        var token = _slotToken;
        if (slot is null || Volatile.Read(ref _version) != version)
        {
            return CancellationToken.None;
        }

        return slot.GetRequestAborted(token);
    }

    private bool TryClaim(int version, out ReplySlot<TReply, TErr> slot, out int token)
    {
        SchedulePoint.Reached("Responder.BeforeClaim");
        if (Interlocked.CompareExchange(ref _version, version + 1, version) != version)
        {
            slot = null!;
            token = 0;
            return false;
        }

        // The claim makes this thread the only user of the fields until the responder is rented again.
        slot = _slot!;
        token = _slotToken;
        _slot = null;
        // Stryker disable once Statement,Block : equivalent; the finalizer of a claimed responder finds its version odd and does nothing, this only spares it the finalizer queue.
        if (!_owner.ResponderPool.Return(this))
        {
            GC.SuppressFinalize(this);
        }

        return true;
    }
}
