using System.Threading.Tasks.Sources;

namespace Ump.Benchmarks.Core.Baselines;

/// <summary>
/// The reply slot of the hand-written floors: a pooled <see cref="ManualResetValueTaskSourceCore{TResult}"/> carrying one
/// request, handed back to its owner's pool once the caller has taken the reply. No cancellation, no stale-reference
/// protection: only what a round trip needs.
/// </summary>
/// <remarks>
/// With <c>globalQueue</c> the reply is not signalled through <see cref="ManualResetValueTaskSourceCore{TResult}.RunContinuationsAsynchronously"/>
/// (which queues the caller's continuation to the completing thread's local queue, <c>preferLocal: true</c>) but by queuing
/// the slot itself as an <see cref="IThreadPoolWorkItem"/> to the global queue, where it completes inline: still one
/// work item per reply, still no allocation, but FIFO and not stuck behind a busy server thread.
/// </remarks>
public sealed class FloorSlot : IValueTaskSource<int>, IThreadPoolWorkItem
{
    private readonly Action<FloorSlot> _returnToPool;
    private readonly bool _globalQueue;
    private ManualResetValueTaskSourceCore<int> _core;
    private int _reply;

    /// <summary>Creates a slot.</summary>
    /// <param name="returnToPool">Takes the slot back once its reply has been consumed.</param>
    /// <param name="globalQueue">Complete replies from a global-queue work item instead of a local-queue continuation.</param>
    public FloorSlot(Action<FloorSlot> returnToPool, bool globalQueue = false)
    {
        _returnToPool = returnToPool;
        _globalQueue = globalQueue;
        _core.RunContinuationsAsynchronously = !globalQueue;
    }

    /// <summary>The request this slot carries.</summary>
    public int Request { get; set; }

    /// <summary>The token to build a <see cref="ValueTask{TResult}"/> over this slot.</summary>
    public short Version => _core.Version;

    /// <summary>Publishes the reply.</summary>
    public void Complete(int reply)
    {
        if (_globalQueue)
        {
            _reply = reply;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            _core.SetResult(reply);
        }
    }

    /// <summary>Global-queue mode: runs on a pool thread and resumes the caller inline.</summary>
    void IThreadPoolWorkItem.Execute() => _core.SetResult(_reply);

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <inheritdoc/>
    public int GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _returnToPool(this);
        }
    }
}
