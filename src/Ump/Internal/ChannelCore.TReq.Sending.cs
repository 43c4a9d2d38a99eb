using System.Diagnostics;

namespace Ump.Internal;

/// <summary>Sending: a client's request queued, handed to a waiting server, parked for room, or refused (the state and its invariants are in ChannelCore.TReq.cs).</summary>
internal sealed partial class ChannelCore<TReq, TReply, TErr>
{
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
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
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

            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
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
            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
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

            // Stryker disable once Statement : equivalent; a debug-only invariant check (compiled out of release builds) that changes nothing while the invariants hold.
            AssertInvariants();
        }

        promoted?.TrySetResult();
        return withdrawn;
    }
}
