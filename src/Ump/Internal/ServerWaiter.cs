using System.Threading.Tasks.Sources;

namespace Ump.Internal;

/// <summary>A server thread or task waiting for the next request. Pooled.</summary>
/// <remarks>
/// <see cref="IsQueued"/> is read and written only under the channel lock: whoever clears it (a sender
/// handing over a request, the cancellation callback, server disposal, the last client leaving) owns the
/// completion. The completion itself runs after the lock is released.
/// </remarks>
internal sealed class ServerWaiter<TReq, TReply, TErr> : IValueTaskSource<(TReq Request, ReplyContext<TReply, TErr> Reply)>
{
    // Takes the channel lock on the canceling thread. That is safe here: the lock is private, held only for a few
    // instructions, and nothing cancels a token while holding it, so no thread can wait on this callback under it.
    private static readonly Action<object?, CancellationToken> s_canceled = static (state, token) =>
    {
        var waiter = (ServerWaiter<TReq, TReply, TErr>)state!;
        if (waiter._owner.TryRemoveWaiter(waiter))
        {
            waiter.SetError(new OperationCanceledException(token));
        }
    };

    private readonly ChannelCore<TReq, TReply, TErr> _owner;
    private ManualResetValueTaskSourceCore<QueueItem<TReq, TReply, TErr>> _vts;
    private CancellationTokenRegistration _cancellation;
    private ManualResetEventSlim? _event;
    private bool _sync;

    internal ServerWaiter(ChannelCore<TReq, TReply, TErr> owner)
    {
        _owner = owner;
        _vts.RunContinuationsAsynchronously = true;
    }

    /// <summary>
    /// The GC safety net for a request handed to a wait whose result nobody ever takes (the server dropped the
    /// <see cref="ValueTask{TResult}"/>): no reply context exists yet, so this waiter stands in for it.
    /// </summary>
    ~ServerWaiter()
    {
        if (_vts.GetStatus(_vts.Version) == ValueTaskSourceStatus.Succeeded)
        {
            var item = _vts.GetResult(_vts.Version);
            item.Slot.TryFail(item.Token, ThrowHelper.CreateNoReplyCollected());
        }
    }

    /// <summary>True while the waiter sits in the channel's waiter queue. Guarded by the channel lock.</summary>
    internal bool IsQueued { get; set; }

    internal short Version => _vts.Version;

    /// <summary>Prepares for one wait. The waiter is not yet visible to any other thread.</summary>
    internal void Begin(bool sync)
    {
        _sync = sync;
        if (sync)
        {
            (_event ??= new ManualResetEventSlim(false)).Reset();
        }
    }

    internal void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(s_canceled, this);
        }
    }

    internal void SetResult(QueueItem<TReq, TReply, TErr> item)
    {
        var sync = _sync;
        _vts.SetResult(item);
        if (sync)
        {
            _event!.Set();
        }
    }

    internal void SetError(Exception error)
    {
        var sync = _sync;
        _vts.SetException(error);
        if (sync)
        {
            _event!.Set();
        }
    }

    internal (TReq Request, ReplyContext<TReply, TErr> Reply) WaitSync()
    {
        _event!.Wait();
        return GetResult(_vts.Version);
    }

    public ValueTaskSourceStatus GetStatus(short token) => _vts.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _vts.OnCompleted(continuation, state, token, flags);

    public (TReq Request, ReplyContext<TReply, TErr> Reply) GetResult(short token)
    {
        if (token != _vts.Version)
        {
            ThrowHelper.ThrowStaleToken();
        }

        if (_vts.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            ThrowHelper.ThrowNotCompleted();
        }

        _cancellation.Dispose();
        _cancellation = default;
        try
        {
            // The responder is rented and bound here, on the server's thread: the sender never touches it, and the
            // responder and its pool stay with the thread that answers.
            var item = _vts.GetResult(token);
            return (item.Request, _owner.Bind(item.Slot, item.Token));
        }
        finally
        {
            // Reset clears the stored result: a pooled waiter must not keep a reply context reachable.
            _vts.Reset();
            _owner.ReturnWaiter(this);
        }
    }
}
