using System.Diagnostics;

namespace Ump.Internal;

/// <summary>Serving: a server takes, waits for or tries for the next request, completes, or is disposed (the state and its invariants are in ChannelCore.TReq.cs).</summary>
internal sealed partial class ChannelCore<TReq, TReply, TErr>
{
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
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
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

            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
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
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
            AssertInvariants();
            if (_serverDisposed)
            {
                ThrowHelper.ThrowServerDisposed();
            }

            got = TryTakeLocked(out taken, ref admitted);
            clientsGone = !got && (_clients == 0 || _completed);
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
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
        if (TakeWithoutLock &&
            // Stryker disable once Boolean : equivalent; the flag only sends the take to the locked path, which takes the same request or, once disposed (the queue is then empty for good), throws.
            !_serverDisposed && TryTakeQueued(locked: false, out var taken))
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
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
            AssertInvariants();
            if (!waiter.IsQueued)
            {
                return false;
            }

            // Stryker disable once Boolean : equivalent; IsQueued is read only by this method, once per wait (the callback fires once), and the next wait sets it again before queuing.
            waiter.IsQueued = false;
            var removed = _waiters.Remove(waiter);
            Debug.Assert(removed);
            return true;
        }
    }

    internal void ReturnWaiter(ServerWaiter<TReq, TReply, TErr> waiter)
    {
        // Stryker disable once Statement,Block : equivalent; GetResult reset the waiter before returning it, so its finalizer finds no result and does nothing.
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
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
            AssertInvariants();
            // Stryker disable once Logical,Statement,Block : equivalent; a completed server has no waiting server (WaitCore queues none), and a disposed one has none either and checks disposal before the flag everywhere, so completing again changes nothing.
            if (_serverDisposed || _completed)
            {
                return;
            }

            // Senders read the flag under this lock, so none can queue behind it; lock-free takes need not see it at
            // once, because they only take what was queued before.
            _completed = true;
            // Stryker disable once Equality : the >= 0 mutant is equivalent; with no waiting server the drain returns an empty array and releases nobody.
            if (_waiters.Count > 0)
            {
                released = DrainWaitersLocked();
            }

            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
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
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
            AssertInvariants();
            // Stryker disable once Statement,Block : equivalent; after the first disposal the queue, the parked senders and the waiting servers stay empty (every path refuses a disposed server), so disposing again finds nothing to fail.
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
}
