using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Ump.Benchmarks.Baselines;

/// <summary>
/// The practical floor: a minimal hand-written request/reply with pooled <see cref="ManualResetValueTaskSourceCore{TResult}"/>
/// reply slots, a locked queue and one pooled server wake-up signal. No cancellation, no timeouts, no safety net, no
/// stale-reference protection: only what a round trip needs. Continuations run asynchronously, as in Ump.
/// </summary>
public sealed class PooledFloorServer : IValueTaskSource<bool>
{
    private readonly Lock _lock = new();
    private readonly Queue<Slot> _queue = new();
    private readonly ConcurrentQueue<Slot> _pool = new();
    private ManualResetValueTaskSourceCore<bool> _signal;
    private bool _serverWaiting;
    private bool _stopped;
    private Task? _loop;

    /// <summary>Creates a stopped server.</summary>
    public PooledFloorServer() => _signal.RunContinuationsAsynchronously = true;

    /// <summary>Starts the echo server loop on the thread pool.</summary>
    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Sends one request and returns a value task over a pooled slot.</summary>
    public ValueTask<int> RequestAsync(int request)
    {
        if (!_pool.TryDequeue(out var slot))
        {
            slot = new Slot(this);
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

    private sealed class Slot : IValueTaskSource<int>
    {
        private readonly PooledFloorServer _owner;
        private ManualResetValueTaskSourceCore<int> _core;

        public Slot(PooledFloorServer owner)
        {
            _owner = owner;
            _core.RunContinuationsAsynchronously = true;
        }

        public int Request { get; set; }

        public short Version => _core.Version;

        public void Complete(int reply) => _core.SetResult(reply);

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
