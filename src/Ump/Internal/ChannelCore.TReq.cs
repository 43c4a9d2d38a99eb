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
internal sealed class ChannelCore<TReq, TReply, TErr> : ChannelCore<TReply, TErr>
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
            AssertInvariants();
            _clients--;
            if (_clients == 0 && _waiters.Count > 0)
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

    // ---- sending -------------------------------------------------------------------------------

    /// <summary>
    /// Rents a slot and puts the request in the queue, hands it to a waiting server, or parks it until there is
    /// room. When the server is gone the slot comes back already failed with ServerDisappeared.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="forSend">The caller is Send/SendAsync: it needs an admission signal when parked, and registers its token itself.</param>
    /// <param name="cancellationToken">The caller's token, registered for the whole request unless <paramref name="forSend"/>.</param>
    internal ReplySlot<TReply, TErr> StartRequest(TReq request, bool forSend, CancellationToken cancellationToken)
    {
        var slot = SlotPool.Rent() ?? new ReplySlot<TReply, TErr>(this);
        var token = slot.Begin(callerMayGiveUp: forSend || cancellationToken.CanBeCanceled || RequestTimeout is not null, Observer?.OnRequestSent());
        if (RequestTimeout is { } timeout)
        {
            // Measured from the send: the timer starts before the request can wait for room.
            slot.StartTimeout(timeout, TimeProvider);
        }

        ServerWaiter<TReq, TReply, TErr>? waiter = null;
        var disposed = false;
        SchedulePoint.Reached("Send.BeforeLock");
        lock (_lock)
        {
            AssertInvariants();
            if (_serverDisposed || _completed)
            {
                disposed = true;
            }
            else if (_waiters.TryDequeue(out waiter))
            {
                waiter.IsQueued = false;
                slot.SetTaken();
            }
            else if (_queuedLive < Capacity)
            {
                // Counted first: a lock-free server may take the entry the moment it is in.
                Interlocked.Increment(ref _queuedLive);
                _queue.Enqueue(new(request, slot, token));
            }
            else
            {
                slot.SetBlocked(needsAdmissionSignal: forSend);
                _blocked.Enqueue(new(request, slot, token));
                _blockedLive++;
            }

            AssertInvariants();
        }

        if (disposed)
        {
            var moved = slot.TryTransition(token, ReplySlot<TReply, TErr>.Queued, ReplySlot<TReply, TErr>.Completed);
            Debug.Assert(moved);
            slot.SetError(ThrowHelper.CreateServerDisappeared());
            return slot;
        }

        SchedulePoint.Reached("Send.AfterLock");
        // The responder is bound by the server when it takes the result (ServerWaiter.GetResult), on its own thread.
        waiter?.SetResult(new(request, slot, token));
        SchedulePoint.Reached("Send.BeforeRegister");

        // Registered only now that the request is visible: a give-up from here on finds it.
        slot.RegisterTimeout();
        if (!forSend)
        {
            slot.RegisterCancellation(cancellationToken);
        }

        return slot;
    }

    internal override bool TryWithdraw(ReplySlot<TReply, TErr> slot, int token, out TaskCompletionSource? admission)
    {
        TaskCompletionSource? promoted = null;
        bool withdrawn;
        admission = null;
        SchedulePoint.Reached("Withdraw.BeforeLock");
        lock (_lock)
        {
            AssertInvariants();
            // Disposal moves every queued and parked entry on under this lock, so a request still found here means a live server.
            if (slot.TryTransition(token, ReplySlot<TReply, TErr>.Queued, ReplySlot<TReply, TErr>.GivenUp))
            {
                withdrawn = true;
                Interlocked.Decrement(ref _queuedLive);
                PromoteLocked(ref promoted);
                if (Volatile.Read(ref _queuedLive) == 0)
                {
                    // Every entry left is dead (see the remarks), and no sender can add one while the lock is held.
                    while (_queue.TryDequeue(out _))
                    {
                    }
                }
            }
            else if (slot.TryTransition(token, ReplySlot<TReply, TErr>.Blocked, ReplySlot<TReply, TErr>.GivenUp))
            {
                withdrawn = true;
                admission = slot.Admission;
                _blockedLive--;
                if (_blockedLive == 0)
                {
                    _blocked.Clear();
                }
            }
            else
            {
                withdrawn = false;
            }

            AssertInvariants();
        }

        promoted?.TrySetResult();
        return withdrawn;
    }

    // ---- serving -------------------------------------------------------------------------------

    /// <summary>Takes the next request at once, or queues a waiter. Throws for a disposed server or when every client is gone.</summary>
    internal ServerWaiter<TReq, TReply, TErr>? WaitCore(bool sync, out (TReq Request, ReplyContext<TReply, TErr> Reply) item)
    {
        ServerWaiter<TReq, TReply, TErr>? waiter = null;
        TaskCompletionSource? admitted = null;
        QueueItem<TReq, TReply, TErr> taken;
        bool got;
        var clientsGone = false;
        if (TryTakeWithoutLock(out item))
        {
            return null;
        }

        SchedulePoint.Reached("Wait.BeforeLock");
        lock (_lock)
        {
            AssertInvariants();
            if (_serverDisposed)
            {
                ThrowHelper.ThrowServerDisposed();
            }

            got = TryTakeLocked(out taken, ref admitted);
            if (!got)
            {
                if (_clients == 0 || _completed)
                {
                    clientsGone = true;
                }
                else
                {
                    waiter = _waiterPool.Rent() ?? new ServerWaiter<TReq, TReply, TErr>(this);
                    waiter.Begin(sync);
                    waiter.IsQueued = true;
                    _waiters.Enqueue(waiter);
                }
            }

            AssertInvariants();
        }

        SchedulePoint.Reached("Wait.AfterLock");
        admitted?.TrySetResult();
        if (got)
        {
            item = (taken.Request, Bind(taken.Slot, taken.Token));
            return null;
        }

        if (clientsGone)
        {
            throw CreateNoMoreRequests();
        }

        item = default;
        return waiter;
    }

    /// <summary>Takes the next request if there is one; never waits.</summary>
    internal bool TryTake(out (TReq Request, ReplyContext<TReply, TErr> Reply) item)
    {
        TaskCompletionSource? admitted = null;
        QueueItem<TReq, TReply, TErr> taken;
        bool got;
        bool clientsGone;
        if (TryTakeWithoutLock(out item))
        {
            return true;
        }

        SchedulePoint.Reached("TryTake.BeforeLock");
        lock (_lock)
        {
            AssertInvariants();
            if (_serverDisposed)
            {
                ThrowHelper.ThrowServerDisposed();
            }

            got = TryTakeLocked(out taken, ref admitted);
            clientsGone = !got && (_clients == 0 || _completed);
            AssertInvariants();
        }

        admitted?.TrySetResult();
        if (got)
        {
            item = (taken.Request, Bind(taken.Slot, taken.Token));
            return true;
        }

        if (clientsGone)
        {
            throw CreateNoMoreRequests();
        }

        item = default;
        return false;
    }

    /// <summary>The take of an unbounded channel that skips the lock (see the remarks); false sends the caller to the locked path.</summary>
    private bool TryTakeWithoutLock(out (TReq Request, ReplyContext<TReply, TErr> Reply) item)
    {
        if (TakeWithoutLock && !_serverDisposed && TryTakeQueued(locked: false, out var taken))
        {
            item = (taken.Request, Bind(taken.Slot, taken.Token));
            return true;
        }

        item = default;
        return false;
    }

    internal bool TryRemoveWaiter(ServerWaiter<TReq, TReply, TErr> waiter)
    {
        lock (_lock)
        {
            AssertInvariants();
            if (!waiter.IsQueued)
            {
                return false;
            }

            waiter.IsQueued = false;
            var removed = _waiters.Remove(waiter);
            Debug.Assert(removed);
            return true;
        }
    }

    internal void ReturnWaiter(ServerWaiter<TReq, TReply, TErr> waiter)
    {
        if (!_waiterPool.Return(waiter))
        {
            // Dropped, and holding nothing: its safety-net finalizer has nothing to do.
            GC.SuppressFinalize(waiter);
        }
    }

    /// <summary>
    /// Stops accepting requests: a send from now on fails with ServerDisappeared, while what is queued or parked is still
    /// delivered in order; once none is left, waits fail with ClientsDisappeared. Waiting servers are released at once
    /// (a server waits only when no live request is queued, so there is nothing left for it).
    /// </summary>
    internal void Complete()
    {
        ServerWaiter<TReq, TReply, TErr>[]? released = null;
        SchedulePoint.Reached("Complete.BeforeLock");
        lock (_lock)
        {
            AssertInvariants();
            if (_serverDisposed || _completed)
            {
                return;
            }

            // Senders read the flag under this lock, so none can queue behind it; lock-free takes need not see it at
            // once, because they only take what was queued before.
            _completed = true;
            if (_waiters.Count > 0)
            {
                released = DrainWaitersLocked();
            }

            AssertInvariants();
        }

        SchedulePoint.Reached("Complete.AfterLock");
        if (released is not null)
        {
            foreach (var waiter in released)
            {
                waiter.SetError(ThrowHelper.CreateServerCompleted());
            }
        }
    }

    /// <summary>Disposes the server: queued and parked callers get ServerDisappeared, waiting servers get ObjectDisposedException.</summary>
    /// <remarks>Reply contexts already taken are untouched: they can still answer.</remarks>
    internal void DisposeServer()
    {
        List<ReplySlot<TReply, TErr>> queued = [];
        List<(ReplySlot<TReply, TErr> Slot, TaskCompletionSource? Admission)> blocked = [];
        ServerWaiter<TReq, TReply, TErr>[] waiters;
        lock (_lock)
        {
            AssertInvariants();
            if (_serverDisposed)
            {
                return;
            }

            _serverDisposed = true;

            // Moved to Completed under the lock, so a withdrawal (under the lock too) never finds them afterwards. A
            // lock-free server may still take an entry before this loop reaches it: then its CAS wins and it uncounts.
            var moved = 0;
            while (_queue.TryDequeue(out var item))
            {
                if (item.Slot.TryTransition(item.Token, ReplySlot<TReply, TErr>.Queued, ReplySlot<TReply, TErr>.Completed))
                {
                    queued.Add(item.Slot);
                    moved++;
                }
            }

            Interlocked.Add(ref _queuedLive, -moved);
            while (_blocked.TryDequeue(out var item))
            {
                if (item.Slot.TryTransition(item.Token, ReplySlot<TReply, TErr>.Blocked, ReplySlot<TReply, TErr>.Completed))
                {
                    // Captured under the lock: once failed, the slot may be recycled for another request.
                    blocked.Add((item.Slot, item.Slot.Admission));
                }
            }

            _blockedLive = 0;
            waiters = DrainWaitersLocked();
        }

        SchedulePoint.Reached("DisposeServer.AfterLock");
        foreach (var slot in queued)
        {
            slot.SetError(ThrowHelper.CreateServerDisappeared());
        }

        foreach (var (slot, admission) in blocked)
        {
            slot.SetError(ThrowHelper.CreateServerDisappeared());
            admission?.TrySetException(ThrowHelper.CreateServerDisappeared());
        }

        foreach (var waiter in waiters)
        {
            waiter.SetError(ThrowHelper.CreateServerDisposed());
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
        while (Volatile.Read(ref _queuedLive) > 0 && _queue.TryDequeue(out item))
        {
            if (!locked)
            {
                SchedulePoint.Reached("Take.AfterDequeue");
            }

            if (item.Slot.TryTransition(item.Token, ReplySlot<TReply, TErr>.Queued, ReplySlot<TReply, TErr>.Taken))
            {
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
