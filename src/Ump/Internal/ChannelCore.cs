namespace Ump.Internal;

/// <summary>The part of a channel that the reply side needs: pools, the timeout, and withdrawal from the queue.</summary>
/// <remarks>It does not depend on the request type, so <see cref="ReplyContext{TReply, TErr}"/> need not either.</remarks>
internal abstract class ChannelCore<TReply, TErr>
{
    // Enough for one slot per caller in the common cases without scanning a long array.
    private const int PoolSize = 64;

    protected ChannelCore(UmpChannelOptions options)
    {
        Capacity = options.Capacity ?? int.MaxValue;
        RequestTimeout = options.RequestTimeout;
        TimeProvider = options.TimeProvider;
        Observer = options.Observer;
    }

    internal int Capacity { get; }

    internal TimeSpan? RequestTimeout { get; }

    internal TimeProvider TimeProvider { get; }

    internal UmpChannelObserver? Observer { get; }

    internal ObjectPool<ReplySlot<TReply, TErr>> SlotPool { get; } = new(PoolSize);

    internal ObjectPool<Responder<TReply, TErr>> ResponderPool { get; } = new(PoolSize);

    /// <summary>
    /// Withdraws a request that is still queued or waiting for room. Returns <see langword="false"/> when
    /// a server took it first. On success the caller of this method owns the slot's outcome.
    /// </summary>
    internal abstract bool TryWithdraw(ReplySlot<TReply, TErr> slot, int token, out TaskCompletionSource? admission);
}
