using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Ump.Benchmarks.Baselines;

/// <summary>
/// The pooled floor with a lock-free request path: senders enqueue into a <see cref="ConcurrentQueue{T}"/> and wake the
/// server only when it has announced that it is about to wait; the server drains everything queued per wake-up. Tests
/// whether the shared lock explains why the lock-based designs do not batch under many callers.
/// </summary>
public sealed class LockFreeFloorServer : IValueTaskSource<bool>
{
    private readonly ConcurrentQueue<FloorSlot> _queue = new();
    private readonly ConcurrentQueue<FloorSlot> _pool = new();
    private ManualResetValueTaskSourceCore<bool> _signal;
    private int _serverWaiting;
    private volatile bool _stopped;
    private Task? _loop;

    /// <summary>Creates a stopped server.</summary>
    public LockFreeFloorServer() => _signal.RunContinuationsAsynchronously = true;

    /// <summary>Starts the echo server loop on the thread pool.</summary>
    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Sends one request and returns a value task over a pooled slot.</summary>
    public ValueTask<int> RequestAsync(int request)
    {
        if (!_pool.TryDequeue(out var slot))
        {
            slot = new FloorSlot(_pool.Enqueue);
        }

        slot.Request = request;
        var version = slot.Version;
        _queue.Enqueue(slot);
        Wake();
        return new ValueTask<int>(slot, version);
    }

    /// <summary>Stops the loop and waits (bounded) for it to end.</summary>
    public void Stop()
    {
        _stopped = true;
        Wake();
        Shared.WaitStopped(_loop, nameof(LockFreeFloorServer));
    }

    private void Wake()
    {
        if (Volatile.Read(ref _serverWaiting) == 1 && Interlocked.CompareExchange(ref _serverWaiting, 0, 1) == 1)
        {
            _signal.SetResult(true);
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var slot))
            {
                slot.Complete(slot.Request);
            }

            if (_stopped)
            {
                return;
            }

            _signal.Reset();
            var version = _signal.Version;
            Interlocked.Exchange(ref _serverWaiting, 1);
            if ((!_queue.IsEmpty || _stopped) && Interlocked.CompareExchange(ref _serverWaiting, 0, 1) == 1)
            {
                // Work arrived while announcing the wait, and no sender claimed the wake-up: carry on.
                continue;
            }

            await new ValueTask<bool>(this, version);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);

    bool IValueTaskSource<bool>.GetResult(short token) => _signal.GetResult(token);
}
