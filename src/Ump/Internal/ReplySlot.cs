using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace Ump.Internal;

/// <summary>
/// The caller's side of one request: the pooled <see cref="IValueTaskSource{TResult}"/> the caller waits on.
/// </summary>
/// <remarks>
/// <para>
/// Lifecycle state lives in one 64-bit field, <see cref="_state"/>: the request token (high half, a fresh
/// value every time the slot is rented) and the phase (low half). Every transition is a
/// <see cref="Interlocked.CompareExchange(ref long, long, long)"/> on the whole value, so an actor holding
/// a stale token (a queue entry of a withdrawn request, a reply context of an earlier request, a late
/// timer) can never move the slot of a different request. Exactly one actor wins the move into a terminal
/// phase, and only that actor writes the outcome.
/// </para>
/// <para>
/// Phases: Blocked/Queued (waiting for room / waiting in the queue) -> Taken (a server holds a reply
/// context) -> Completed (the server answered, or the server vanished) or GivenUp (the caller left). The
/// Queued/Blocked -> anything moves happen under the channel lock, because they change the queue counts;
/// the Taken -> terminal moves are lock-free.
/// </para>
/// <para>
/// The slot goes back to the pool only from <see cref="GetResult(short)"/>, after the caller has copied the
/// outcome and after every registration that could call back into the slot has been disposed
/// (<see cref="CancellationTokenRegistration.Dispose"/> waits for a callback that is running).
/// The server side never references the slot once the request is over, so the slot does not keep a
/// forgotten reply context alive: that is what lets the GC safety net in <see cref="Responder{TReply, TErr}"/> work.
/// </para>
/// </remarks>
internal sealed class ReplySlot<TReply, TErr> : IValueTaskSource<TReply>
{
    internal const int Free = 0;
    internal const int Blocked = 1;
    internal const int Queued = 2;
    internal const int Taken = 3;
    internal const int Completed = 4;
    internal const int GivenUp = 5;

    private static readonly Action<object?, CancellationToken> s_canceled = static (state, token) =>
    {
        var slot = (ReplySlot<TReply, TErr>)state!;
        slot.GiveUp(slot._token, new OperationCanceledException(token));
    };

    private static readonly Action<object?, CancellationToken> s_timedOut = static (state, _) =>
    {
        var slot = (ReplySlot<TReply, TErr>)state!;
        slot.GiveUp(slot._token, ThrowHelper.CreateRequestTimeout(slot._owner.RequestTimeout!.Value));
    };

    private readonly ChannelCore<TReply, TErr> _owner;
    private ManualResetValueTaskSourceCore<TReply> _vts;
    private long _state;
    private int _token;

    // How a caller that blocks a thread on this slot is woken (Request, WaitReply.Wait).
    private SyncHandshake _handshake;

    private CancellationTokenRegistration _cancellation;
    private CancellationTokenSource? _timeoutSource;
    private CancellationTokenRegistration _timeout;

    // Created on first read of ReplyContext.RequestAborted; canceled when the caller gives up after pick-up.
    private CancellationTokenSource? _abortSource;

    // Only for a Send that had to wait for room in a bounded queue.
    private TaskCompletionSource? _admission;

    // What the channel's observer returned at send; null without an observer.
    private object? _observerState;

    // False when nothing can make the caller give up (no cancelable token, no timeout, not a Send): then
    // RequestAborted can never fire, and costs nothing.
    private bool _callerMayGiveUp;

    internal ReplySlot(ChannelCore<TReply, TErr> owner)
    {
        _owner = owner;
        _vts.RunContinuationsAsynchronously = true;
    }

    /// <summary>The token of the request this slot currently serves.</summary>
    internal int Token => _token;

    /// <summary>The token to build a <see cref="ValueTask{TResult}"/> over this slot.</summary>
    internal short Version => _vts.Version;

    internal TaskCompletionSource? Admission => _admission;

    /// <summary>Starts a new request. The slot is not yet visible to any other thread.</summary>
    internal int Begin(bool callerMayGiveUp, object? observerState)
    {
        // Stryker disable once Arithmetic : equivalent; a token only has to differ from the slot's earlier ones, and counting down never repeats one either (until 2^32 uses).
        var token = unchecked(_token + 1);
        _token = token;
        _observerState = observerState;
        _callerMayGiveUp = callerMayGiveUp;
        _handshake.Reset();
        Volatile.Write(ref _state, Pack(token, Queued));
        return token;
    }

    internal static long Pack(int token, int phase) => ((long)token << 32) | (uint)phase;

    // Stryker disable once Bitwise : equivalent; the cast to int keeps only the low 32 bits of the shifted value, which an arithmetic and a logical shift give alike.
    internal static int TokenOf(long state) => (int)(state >> 32);

    internal static int PhaseOf(long state) => (int)(state & 0xFFFF_FFFF);

    internal int PhaseFor(int token)
    {
        var state = Volatile.Read(ref _state);
        return TokenOf(state) == token ? PhaseOf(state) : Free;
    }

    internal bool TryTransition(int token, int from, int to) =>
        Interlocked.CompareExchange(ref _state, Pack(token, to), Pack(token, from)) == Pack(token, from);

    /// <summary>Marks the request as waiting for room. Called under the channel lock, before publication.</summary>
    internal void SetBlocked(bool needsAdmissionSignal)
    {
        Volatile.Write(ref _state, Pack(_token, Blocked));
        if (needsAdmissionSignal)
        {
            _admission = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Marks the request as handed straight to a waiting server. Called under the channel lock, before publication.</summary>
    internal void SetTaken() => Volatile.Write(ref _state, Pack(_token, Taken));

    internal void StartTimeout(TimeSpan timeout, TimeProvider timeProvider) =>
        _timeoutSource = new CancellationTokenSource(timeout, timeProvider);

    /// <summary>Arms the request timeout once the request is visible, so a give-up finds it in the queue.</summary>
    internal void RegisterTimeout()
    {
        if (_timeoutSource is { } source)
        {
            _timeout = source.Token.UnsafeRegister(s_timedOut, this);
        }
    }

    internal void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(s_canceled, this);
        }
    }

    /// <summary>Ends the caller-token registration; waits for a callback that is running right now.</summary>
    internal void UnregisterCancellation()
    {
        _cancellation.Dispose();
        _cancellation = default;
    }

    /// <summary>The server answers. Fails when the caller has already given up.</summary>
    internal bool TryReply(int token, TReply value)
    {
        SchedulePoint.Reached("TryReply.BeforeCas");
        if (!TryTransition(token, Taken, Completed))
        {
            return false;
        }

        var blocked = _handshake.Claim();
        var observer = _owner.Observer;
        var observerState = _observerState;
        _vts.SetResult(value);
        _handshake.Signal(blocked);
        observer?.OnRequestCompleted(observerState, UmpOutcome.Reply);
        return true;
    }

    /// <summary>The server fails the request (application error or no reply). Fails when the caller has already given up.</summary>
    internal bool TryFail(int token, Exception error)
    {
        SchedulePoint.Reached("TryFail.BeforeCas");
        if (!TryTransition(token, Taken, Completed))
        {
            return false;
        }

        SetError(error);
        return true;
    }

    /// <summary>Writes the error outcome. Only the actor that moved the slot into a terminal phase calls this.</summary>
    internal void SetError(Exception error)
    {
        var blocked = _handshake.Claim();
        var observer = _owner.Observer;
        var observerState = _observerState;
        _vts.SetException(error);
        _handshake.Signal(blocked);
        observer?.OnRequestCompleted(observerState, OutcomeOf(error));
    }

    private static UmpOutcome OutcomeOf(Exception error) => error switch
    {
        UmpException { Kind: UmpErrorKind.App } => UmpOutcome.AppError,
        UmpException { Kind: UmpErrorKind.ServerDisappeared } => UmpOutcome.ServerDisappeared,
        UmpException => UmpOutcome.NoReply,
        TimeoutException => UmpOutcome.Timeout,
        _ => UmpOutcome.Canceled,
    };

    /// <summary>The observer's value for a request that is still taken (a live reply context); null otherwise.</summary>
    internal object? ObserverStateFor(int token)
    {
        var state = _observerState;
        return Volatile.Read(ref _state) == Pack(token, Taken) ? state : null;
    }

    /// <summary>
    /// The caller gives up (its token fired, its timeout passed, or it disposed its <see cref="WaitReply{TReply, TErr}"/>).
    /// A request still in the queue is withdrawn; a taken one is aborted and <c>RequestAborted</c> fires.
    /// </summary>
    internal void GiveUp(int token, Exception reason)
    {
        var state = Volatile.Read(ref _state);
        // Stryker disable once Statement,Block : equivalent; every step below compares the token again (TryWithdraw and TryTransition in their CAS, PhaseFor gives Free for another token), so a stale give-up does nothing either way.
        if (TokenOf(state) != token)
        {
            return;
        }

        var phase = PhaseOf(state);
        SchedulePoint.Reached("GiveUp.BeforeWithdraw");
        if (phase is Queued or Blocked)
        {
            if (_owner.TryWithdraw(this, token, out var admission))
            {
                SetError(reason);
                admission?.TrySetException(reason);
                // Stryker disable once Statement : equivalent; the withdrawn request is Completed (or recycled under a new token), so the abort step below finds no Taken phase and returns.
                return;
            }

            phase = PhaseFor(token);
        }

        SchedulePoint.Reached("GiveUp.BeforeAbort");
        if (phase != Taken || !TryTransition(token, Taken, GivenUp))
        {
            return;
        }

        // Read after the CAS (a full fence) and before publishing the outcome: once the caller has its
        // outcome it may recycle the slot, and _abortSource would then belong to another request.
        // GetRequestAborted installs the source and then re-reads the state, so one of the two sides sees the other.
        SchedulePoint.Reached("GiveUp.AfterAbortCas");
        var abort = Volatile.Read(ref _abortSource);
        SetError(reason);

        // The handler's callbacks must not run on the thread that canceled the caller's token.
        _ = abort?.CancelAsync();
    }

    /// <summary>The token behind <see cref="ReplyContext{TReply, TErr}.RequestAborted"/> for a taken request.</summary>
    internal CancellationToken GetRequestAborted(int token)
    {
        if (!_callerMayGiveUp)
        {
            // Set before the request was published and never changed while it lives; a stale read here belongs to a
            // finished request, for which no token is worth creating.
            return CancellationToken.None;
        }

        var state = Volatile.Read(ref _state);
        // Stryker disable once Logical : equivalent; for another token or a given-up request the code below returns a canceled token as well (after making a CancellationTokenSource nobody else sees).
        if (TokenOf(state) != token || PhaseOf(state) is GivenUp or Free)
        {
            // The reply context is still live, so only the caller can have ended the request: it gave up
            // (and may already have recycled this slot).
            return new CancellationToken(canceled: true);
        }

        SchedulePoint.Reached("RequestAborted.BeforeInstall");
        var source = Volatile.Read(ref _abortSource);
        if (source is null)
        {
            var created = new CancellationTokenSource();
            source = Interlocked.CompareExchange(ref _abortSource, created, null) ?? created;
        }

        SchedulePoint.Reached("RequestAborted.AfterInstall");
        state = Volatile.Read(ref _state);
        if (TokenOf(state) != token || PhaseOf(state) == Free)
        {
            return new CancellationToken(canceled: true);
        }

        if (PhaseOf(state) == GivenUp)
        {
            // GiveUp may have read _abortSource before it was installed: cancel it here as well.
            _ = source.CancelAsync();
        }

        return source.Token;
    }

    /// <summary>
    /// Blocks the calling thread until the outcome, then consumes it. The outcome may be published at any moment
    /// (a <see cref="WaitReply{TReply, TErr}"/> decides to block only at wait time): see <see cref="SyncHandshake"/>.
    /// </summary>
    internal TReply WaitSync()
    {
        _handshake.Wait(ref _vts);
        return GetResult(_vts.Version);
    }

    /// <summary>Consumes an outcome nobody will wait for (a disposed <see cref="WaitReply{TReply, TErr}"/>) and recycles the slot.</summary>
    internal void Discard(short version)
    {
        if (version == _vts.Version && _vts.GetStatus(version) != ValueTaskSourceStatus.Pending)
        {
            try
            {
                _ = GetResult(version);
            }
            catch (Exception ex) when (ex is UmpException or OperationCanceledException or TimeoutException)
            {
                // Nobody is listening for this outcome any more.
            }
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _vts.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _vts.OnCompleted(continuation, state, token, flags);

    public TReply GetResult(short token)
    {
        if (token != _vts.Version)
        {
            ThrowHelper.ThrowStaleToken();
        }

        if (_vts.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            ThrowHelper.ThrowNotCompleted();
        }

        SchedulePoint.Reached("GetResult.BeforeRecycle");
        _cancellation.Dispose();
        _timeout.Dispose();
        _timeoutSource?.Dispose();
        try
        {
            return _vts.GetResult(token);
        }
        finally
        {
            Recycle();
        }
    }

    private void Recycle()
    {
        Debug.Assert(PhaseOf(Volatile.Read(ref _state)) is Completed or GivenUp);
        _cancellation = default;
        _timeout = default;
        _timeoutSource = null;
        _admission = null;
        _observerState = null;

        // Dropped, not disposed: a handler may still hold its token. It is never reused, because stray
        // registrations on it would fire for a later request.
        _abortSource = null;
        Volatile.Write(ref _state, Pack(_token, Free));
        _vts.Reset();
        _owner.SlotPool.Return(this);
    }
}
