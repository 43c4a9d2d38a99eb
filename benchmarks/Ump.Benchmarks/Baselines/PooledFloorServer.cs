using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Ump.Benchmarks.Baselines;

/// <summary>
/// The practical floor: a minimal hand-written request/reply with pooled <see cref="ManualResetValueTaskSourceCore{TResult}"/>
/// reply slots, a locked queue and one pooled server wake-up signal. No cancellation, no timeouts, no safety net, no
/// stale-reference protection: only what a round trip needs. Continuations run asynchronously, as in Ump.
/// </summary>
/// <remarks>
/// With <c>globalQueue</c> the reply is not signalled through <see cref="ManualResetValueTaskSourceCore{TResult}.RunContinuationsAsynchronously"/>
/// (which queues the caller's continuation to the completing thread's local queue, <c>preferLocal: true</c>) but by queuing
/// the slot itself as an <see cref="IThreadPoolWorkItem"/> to the global queue, where it completes inline: still one
/// work item per reply, still no allocation, but FIFO and not stuck behind a busy server thread.
/// </remarks>
public sealed class PooledFloorServer : IValueTaskSource<bool>
{
    private readonly Lock _lock = new();
    private readonly Queue<Slot> _queue = new();
    private readonly ConcurrentQueue<Slot> _pool = new();
    private ManualResetValueTaskSourceCore<bool> _signal;
    private bool _serverWaiting;
    private bool _stopped;
    private Task? _loop;

    private readonly bool _globalQueue;

    /// <summary>Creates a stopped server.</summary>
    /// <param name="globalQueue">Complete replies from a global-queue work item instead of a local-queue continuation.</param>
    public PooledFloorServer(bool globalQueue = false)
    {
        _globalQueue = globalQueue;
        _signal.RunContinuationsAsynchronously = true;
    }

    /// <summary>Starts the echo server loop on the thread pool.</summary>
    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Sends one request and returns a value task over a pooled slot.</summary>
    public ValueTask<int> RequestAsync(int request)
    {
        if (!_pool.TryDequeue(out var slot))
        {
            slot = new Slot(this, _globalQueue);
        }

        slot.Request = request;
        bool wake;
        lock (_lock)
        {
            _queue.Enqueue(slot);
            wake = _serverWaiting;
            _serverWaiting = false;
        }

        var version = slot.Version;
        if (wake)
        {
            _signal.SetResult(true);
        }

        return new ValueTask<int>(slot, version);
    }

    /// <summary>Stops the loop and waits (bounded) for it to end.</summary>
    public void Stop()
    {
        bool wake;
        lock (_lock)
        {
            _stopped = true;
            wake = _serverWaiting;
            _serverWaiting = false;
        }

        if (wake)
        {
            _signal.SetResult(false);
        }

        Shared.WaitStopped(_loop, nameof(PooledFloorServer));
    }

    private async Task RunAsync()
    {
        while (true)
        {
            Slot? slot = null;
            short version = 0;
            lock (_lock)
            {
                if (_queue.Count > 0)
                {
                    slot = _queue.Dequeue();
                }
                else if (_stopped)
                {
                    return;
                }
                else
                {
                    _signal.Reset();
                    version = _signal.Version;
                    _serverWaiting = true;
                }
            }

            if (slot is null)
            {
                await new ValueTask<bool>(this, version);
                continue;
            }

            slot.Complete(slot.Request);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);

    bool IValueTaskSource<bool>.GetResult(short token) => _signal.GetResult(token);

    private sealed class Slot : IValueTaskSource<int>, IThreadPoolWorkItem
    {
        private readonly PooledFloorServer _owner;
        private readonly bool _globalQueue;
        private ManualResetValueTaskSourceCore<int> _core;
        private int _reply;

        public Slot(PooledFloorServer owner, bool globalQueue)
        {
            _owner = owner;
            _globalQueue = globalQueue;
            _core.RunContinuationsAsynchronously = !globalQueue;
        }

        public int Request { get; set; }

        public short Version => _core.Version;

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

        // Global-queue mode: runs on a pool thread and resumes the caller inline.
        void IThreadPoolWorkItem.Execute() => _core.SetResult(_reply);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        public int GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                _owner._pool.Enqueue(this);
            }
        }
    }
}
