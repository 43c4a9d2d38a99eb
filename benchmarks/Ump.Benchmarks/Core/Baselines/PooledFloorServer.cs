using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Ump.Benchmarks.Core.Baselines;

/// <summary>
/// The practical floor: a minimal hand-written request/reply with pooled <see cref="ManualResetValueTaskSourceCore{TResult}"/>
/// reply slots, a locked queue and one pooled server wake-up signal. No cancellation, no timeouts, no safety net, no
/// stale-reference protection: only what a round trip needs. Continuations run asynchronously, as in Ump.
/// </summary>
/// <remarks>With <c>globalQueue</c> the replies are completed from the global queue: see <see cref="FloorSlot"/>.</remarks>
public sealed class PooledFloorServer : IValueTaskSource<bool>
{
    private readonly Lock _lock = new();
    private readonly Queue<FloorSlot> _queue = new();
    private readonly ConcurrentQueue<FloorSlot> _pool = new();
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
            slot = new FloorSlot(_pool.Enqueue, _globalQueue);
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
            FloorSlot? slot = null;
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
}
