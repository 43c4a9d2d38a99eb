namespace Ump.Benchmarks.Core.Baselines;

/// <summary>
/// The floor of a blocking request/reply that any number of threads can call: the event pair plus what sharing one
/// server takes, and nothing else. Each request carries its own reply place (one per calling thread: a blocking caller
/// has one request out at a time); a lock guards the queue and the server's waiting flag; a sender wakes the server
/// only when it waits. Both sides wait on a <see cref="ManualResetEventSlim"/> (default spin count), as the pair does.
/// No cancellation, no timeouts, no capacity, no protection against a stale reply place: only what a round trip needs.
/// </summary>
public sealed class SyncFloorServer : IDisposable
{
    [ThreadStatic]
    private static Slot? t_slot;

    private readonly Lock _lock = new();
    private readonly Queue<Slot> _queue = new();
    private readonly ManualResetEventSlim _serverSignal = new(false);
    private bool _serverWaiting;
    private bool _stopped;
    private Thread? _thread;

    /// <summary>Starts the dedicated server thread.</summary>
    public void Start()
    {
        _thread = new Thread(Serve) { IsBackground = true, Name = "sync-floor-server" };
        _thread.Start();
    }

    /// <summary>One round trip, from any thread.</summary>
    public int Request(int request)
    {
        var slot = t_slot ??= new Slot();
        slot.Request = request;
        bool wake;
        lock (_lock)
        {
            _queue.Enqueue(slot);
            wake = _serverWaiting;
            _serverWaiting = false;
        }

        if (wake)
        {
            _serverSignal.Set();
        }

        slot.Done.Wait();
        slot.Done.Reset();
        return slot.Reply;
    }

    /// <summary>Stops the server thread (bounded).</summary>
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
            _serverSignal.Set();
        }

        Shared.JoinStopped(_thread, nameof(SyncFloorServer));
    }

    /// <inheritdoc/>
    public void Dispose() => _serverSignal.Dispose();

    private void Serve()
    {
        while (true)
        {
            Slot? slot = null;
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
                    _serverWaiting = true;
                }
            }

            if (slot is null)
            {
                // Set once per registration, by whoever cleared the flag: this Reset cannot erase a later wake-up.
                _serverSignal.Wait();
                _serverSignal.Reset();
                continue;
            }

            slot.Reply = slot.Request;
            slot.Done.Set();
        }
    }

    private sealed class Slot
    {
        public readonly ManualResetEventSlim Done = new(false);
        public int Request;
        public int Reply;
    }
}
