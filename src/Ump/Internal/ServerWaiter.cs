using System.Threading.Tasks.Sources;

namespace Ump.Internal;

/// <summary>A server thread or task waiting for the next request. Pooled.</summary>
/// <remarks>
/// <para>
/// <see cref="IsQueued"/> is read and written only under the channel lock: whoever clears it (a sender
/// handing over a request, the cancellation callback, server disposal, the last client leaving) owns the
/// completion. The completion itself runs after the lock is released.
/// </para>
/// <para>
/// An async wait is completed from a work item on the thread pool's global queue, the way a
/// <c>Channel&lt;T&gt;</c> reader is. Completing it in place would queue the server's continuation on the sending
/// thread's local queue, where it runs next (the owner takes local work last-in, first-out) and finds one request;
/// from the global queue it runs after the callers' continuations already queued there have sent theirs, and takes
/// them all without waiting again. With many callers that batching is what keeps the server from waking once per request.
/// The stored outcome is published to the work item by the queueing itself (a full fence).
/// </para>
/// </remarks>
internal sealed class ServerWaiter<TReq, TReply, TErr> : IValueTaskSource<(TReq Request, ReplyContext<TReply, TErr> Reply)>, IThreadPoolWorkItem
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
    private SyncHandshake _handshake;
    private bool _sync;

    // The outcome of an async wait between its completion and the work item that publishes it.
    private QueueItem<TReq, TReply, TErr> _item;
    private Exception? _error;

    internal ServerWaiter(ChannelCore<TReq, TReply, TErr> owner)
    {
        _owner = owner;

        // Continuations run inline in Execute, which is already on the thread pool (or are posted to a captured context).
        // Stryker disable once Boolean : equivalent; the continuation would only hop once more through the thread pool, from a work item that already runs there.
        _vts.RunContinuationsAsynchronously = false;
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
        _handshake.Reset();
    }

    internal void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(s_canceled, this);
        }
    }

    internal void SetResult(QueueItem<TReq, TReply, TErr> item) => Complete(item, error: null);

    internal void SetError(Exception error) => Complete(default, error);

    private void Complete(QueueItem<TReq, TReply, TErr> item, Exception? error)
    {
        if (_sync)
        {
            var blocked = _handshake.Claim();
            Publish(item, error);
            _handshake.Signal(blocked);
        }
        else
        {
            _item = item;
            _error = error;
            // Stryker disable once Boolean : equivalent; which thread-pool queue runs the hand-off changes only how the server batches requests (performance), not what it receives.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Publishes an async wait's outcome; the server's continuation runs here (see the remarks).</summary>
    void IThreadPoolWorkItem.Execute()
    {
        var item = _item;
        var error = _error;
        _item = default;
        _error = null;
        Publish(item, error);
    }

    // Nothing may touch this waiter after the outcome is set (but a Set of its handshake's event, which a blocked
    // thread waits for): the server may already have recycled it.
    private void Publish(QueueItem<TReq, TReply, TErr> item, Exception? error)
    {
        if (error is null)
        {
            _vts.SetResult(item);
        }
        else
        {
            _vts.SetException(error);
        }
    }

    internal (TReq Request, ReplyContext<TReply, TErr> Reply) WaitSync()
    {
        _handshake.Wait(ref _vts);
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
