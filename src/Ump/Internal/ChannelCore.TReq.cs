using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ump.Internal;

/// <summary>The shared state of one channel: the request queue, the waiting servers, and the client count.</summary>
/// <remarks>
/// <para>
/// One lock guards the queue, the blocked senders, the waiting servers, the counts and the flags. Every
/// locked region checks <see cref="AssertInvariants"/> in debug builds. Waiters, admissions and slots
/// are completed only after the lock is released, and completions never run user code inline
/// (continuations are asynchronous), so nothing can re-enter the lock while it is held.
/// </para>
/// <para>
/// The one exception: a server of an unbounded channel takes a queued request without the lock (as a
/// <c>Channel&lt;T&gt;</c> reader does), so that under many callers the senders alone contend for it. That is
/// safe because a sender adds to the queue only under the lock, after finding no waiting server, and a server
/// registers as waiting only under the lock, after finding the queue empty: no request can sit in the queue
/// while a server waits. The slot's CAS from Queued to Taken decides between a server and a withdrawing caller
/// (or two servers), and <see cref="_queuedLive"/> is counted before the enqueue and uncounted after that CAS,
/// so it never undercounts the live entries: when it reads zero under the lock, every entry left is dead.
/// A bounded channel takes under the lock, where freeing a place and admitting a parked sender are one step.
/// </para>
/// <para>
/// <see cref="Complete"/> sets a flag that senders read under the lock: no request is queued after it, while the
/// queue (and the parked senders, promoted as places free up) still drains in order. A server that then finds nothing
/// gets ClientsDisappeared, the same signal as the last client leaving, and no server can be left waiting.
/// </para>
/// <para>
/// Given-up requests are not searched for and removed: their queue entries stay until a server
/// dequeues and skips them (their slot no longer matches), while the live counts drop at once so
/// capacity and backpressure see only live requests.
/// </para>
/// </remarks>
internal sealed partial class ChannelCore<TReq, TReply, TErr> : ChannelCore<TReply, TErr>
{
    private const int WaiterPoolSize = 8;

    private readonly Lock _lock = new();
    private readonly ConcurrentQueue<QueueItem<TReq, TReply, TErr>> _queue = new();
    private readonly Deque<QueueItem<TReq, TReply, TErr>> _blocked = new();
    private readonly ObjectPool<ServerWaiter<TReq, TReply, TErr>> _waiterPool = new(WaiterPoolSize);
    private InlineFirstQueue<ServerWaiter<TReq, TReply, TErr>> _waiters;

    // Changed with Interlocked everywhere: lock-free takes uncount outside the lock.
    private int _queuedLive;
    private int _blockedLive;
    private int _clients = 1;
    private volatile bool _serverDisposed;

    // Set by Complete(): no new request is accepted; what is queued or parked is still delivered.
    private volatile bool _completed;

    internal ChannelCore(UmpChannelOptions options)
        : base(options)
    {
    }

    /// <summary>Whether servers take queued requests without the lock: on an unbounded channel (see the remarks).</summary>
    private bool TakeWithoutLock => Capacity == int.MaxValue;

    /// <summary>The number of requests waiting in the queue (not those waiting for room).</summary>
    internal int QueueLength => Volatile.Read(ref _queuedLive);

    // ---- clients -------------------------------------------------------------------------------

    /// <summary>Adds a strong client, unless every strong client is already gone (then it never comes back).</summary>
    internal bool TryAddClient()
    {
        lock (_lock)
        {
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
            AssertInvariants();
            if (_clients == 0)
            {
                return false;
            }

            _clients++;
            return true;
        }
    }

    internal void RemoveClient()
    {
        ServerWaiter<TReq, TReply, TErr>[]? orphaned = null;
        SchedulePoint.Reached("RemoveClient.BeforeLock");
        lock (_lock)
        {
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
            AssertInvariants();
            _clients--;
            if (_clients == 0 &&
                // Stryker disable once Equality : the >= 0 mutant is equivalent; with no waiting server the drain returns an empty array and releases nobody.
                _waiters.Count > 0)
            {
                // A waiting server implies an empty queue: nothing is left that it could still receive.
                orphaned = DrainWaitersLocked();
            }
        }

        SchedulePoint.Reached("RemoveClient.AfterLock");
        if (orphaned is not null)
        {
            foreach (var waiter in orphaned)
            {
                waiter.SetError(ThrowHelper.CreateClientsDisappeared());
            }
        }
    }

    // ---- helpers (lock held) ---------------------------------------------------------------------

    private bool TryTakeLocked(out QueueItem<TReq, TReply, TErr> item, ref TaskCompletionSource? admitted)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (TryTakeQueued(locked: true, out item))
        {
            PromoteLocked(ref admitted);
            return true;
        }

        return false;
    }

    /// <summary>Takes the oldest live queued request; with the lock held, or without it on an unbounded channel.</summary>
    private bool TryTakeQueued(bool locked, out QueueItem<TReq, TReply, TErr> item)
    {
        Debug.Assert(locked == _lock.IsHeldByCurrentThread && (locked || TakeWithoutLock));
        // Stryker disable once Equality : the >= 0 mutant is equivalent; at zero every entry left is given up (its CAS fails and it is skipped), and one queued meanwhile is taken by the locked path instead: the count only spares those dequeues.
        while (Volatile.Read(ref _queuedLive) > 0 && _queue.TryDequeue(out item))
        {
            // Stryker disable once Boolean : equivalent; the branch holds only a schedule point, which compiles to nothing outside the schedule tests.
            if (!locked)
            {
                SchedulePoint.Reached("Take.AfterDequeue");
            }

            if (item.Slot.TryTransition(item.Token, ReplySlot<TReply, TErr>.Queued, ReplySlot<TReply, TErr>.Taken))
            {
                // Stryker disable once Boolean : equivalent; the branch holds only a schedule point, which compiles to nothing outside the schedule tests.
                if (!locked)
                {
                    SchedulePoint.Reached("Take.AfterCas");
                }

                Interlocked.Decrement(ref _queuedLive);
                return true;
            }

            // Given up while queued: already taken off the live count.
        }

        item = default;
        return false;
    }

    /// <summary>Moves the oldest live parked sender into the queue after a place has freed up.</summary>
    private void PromoteLocked(ref TaskCompletionSource? admitted)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        // Stryker disable once Equality : the >= 0 mutant is equivalent; at zero every parked entry left is given up (its CAS fails and it is skipped): the count only spares those dequeues.
        while (_blockedLive > 0 && _blocked.TryDequeue(out var item))
        {
            if (item.Slot.TryTransition(item.Token, ReplySlot<TReply, TErr>.Blocked, ReplySlot<TReply, TErr>.Queued))
            {
                _blockedLive--;
                Interlocked.Increment(ref _queuedLive);
                _queue.Enqueue(item);
                admitted = item.Slot.Admission;
                return;
            }
        }
    }

    private ServerWaiter<TReq, TReply, TErr>[] DrainWaitersLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        var waiters = _waiters.DrainToArray();
        foreach (var waiter in waiters)
        {
            waiter.IsQueued = false;
        }

        return waiters;
    }

    /// <summary>Why a wait found nothing and never will: the server was completed, or every strong client is gone.</summary>
    private UmpException CreateNoMoreRequests() =>
        _completed ? ThrowHelper.CreateServerCompleted() : ThrowHelper.CreateClientsDisappeared();

    internal ReplyContext<TReply, TErr> Bind(ReplySlot<TReply, TErr> slot, int token)
    {
        var responder = ResponderPool.Rent() ?? new Responder<TReply, TErr>(this);
        return new ReplyContext<TReply, TErr>(responder, responder.Bind(slot, token));
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "The channel lock must be held.");
        Debug.Assert(_clients >= 0, "The client count cannot go negative.");
        Debug.Assert(_queuedLive >= 0 && _queuedLive <= Capacity, "Live queued requests stay within capacity.");
        Debug.Assert(_blockedLive >= 0, "The parked count cannot go negative.");
        Debug.Assert(_blocked.Count >= _blockedLive, "The parked count never exceeds the entries.");

        // A lock-free take uncounts just after its CAS, outside the lock: until then the count includes a request
        // already taken, so on an unbounded channel the count checks below can be one take behind.
        // Stryker disable once Boolean : equivalent; it only selects which debug-only assertions run (compiled out of release builds).
        var queuedExact = !TakeWithoutLock;
        if (_serverDisposed)
        {
            Debug.Assert(_blockedLive == 0 && _waiters.Count == 0, "A disposed server holds nothing.");
            Debug.Assert(!queuedExact || _queuedLive == 0, "A disposed server holds no queued request.");
        }
        else
        {
            Debug.Assert(!queuedExact || _waiters.Count == 0 || _queuedLive == 0, "A server waits only when no live request is queued.");
            Debug.Assert(_blockedLive == 0 || _queuedLive == Capacity, "Senders wait for room only when the queue is full.");
            Debug.Assert(_waiters.Count == 0 || (_clients > 0 && !_completed), "No server waits once every client is gone or the server is completed.");
        }
    }
}
