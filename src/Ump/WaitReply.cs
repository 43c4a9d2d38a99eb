using System.Runtime.CompilerServices;
using Ump.Internal;

namespace Ump;

/// <summary>
/// A request sent with <see cref="Client{TReq, TReply, TErr}.Send"/>: wait for its outcome later, synchronously or
/// asynchronously (it is awaitable), or dispose it to give up.
/// </summary>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// Wait once: <see cref="Wait"/>, <see cref="WaitAsync"/> or <c>await</c>. <see cref="Dispose"/> before the outcome
/// gives up on the request, exactly as a canceled token does (withdrawn if still queued, else the server's
/// <see cref="ReplyContext{TReply, TErr}.RequestAborted"/> fires); after the outcome, it does nothing.
/// </remarks>
public sealed class WaitReply<TReply, TErr> : IDisposable
{
    private const int Fresh = 0;
    private const int Waited = 1;
    private const int Disposed = 2;

    private readonly ReplySlot<TReply, TErr> _slot;
    private readonly short _version;
    private readonly int _token;
    private int _state;

    internal WaitReply(ReplySlot<TReply, TErr> slot, short version, int token)
    {
        _slot = slot;
        _version = version;
        _token = token;
    }

    /// <summary>Blocks until the outcome of the request.</summary>
    /// <param name="cancellationToken">Gives up on the request, as with <see cref="Client{TReq, TReply, TErr}.Request"/>.</param>
    /// <returns>The server's reply.</returns>
    /// <exception cref="UmpException{TErr}">The server failed the request with an application error.</exception>
    /// <exception cref="UmpException">The server disappeared, or gave up on the request without a reply.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    /// <exception cref="TimeoutException">The channel's request timeout passed first.</exception>
    /// <exception cref="InvalidOperationException">This reply was already waited on.</exception>
    /// <exception cref="ObjectDisposedException">This reply was disposed.</exception>
    public TReply Wait(CancellationToken cancellationToken = default)
    {
        BeginWait();
        _slot.RegisterCancellation(cancellationToken);
        return _slot.WaitSync();
    }

    /// <summary>Waits asynchronously for the outcome of the request.</summary>
    /// <param name="cancellationToken">Gives up on the request, as with <see cref="Client{TReq, TReply, TErr}.RequestAsync"/>.</param>
    /// <returns>The server's reply; every failure listed on <see cref="Wait"/> comes through this task.</returns>
    public ValueTask<TReply> WaitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            BeginWait();
        }
        catch (InvalidOperationException ex)
        {
            return ValueTask.FromException<TReply>(ex);
        }

        _slot.RegisterCancellation(cancellationToken);
        return new ValueTask<TReply>(_slot, _version);
    }

    /// <summary>Gets an awaiter, so that <c>await reply</c> waits for the outcome (same as <see cref="WaitAsync"/>).</summary>
    /// <returns>The awaiter.</returns>
    public ValueTaskAwaiter<TReply> GetAwaiter() => WaitAsync().GetAwaiter();

    /// <summary>
    /// Gives up on the request if its outcome has not been consumed: a queued request is withdrawn, a taken one is
    /// aborted (the server's <c>RequestAborted</c> fires and its reply is dropped). A wait in progress ends with
    /// <see cref="OperationCanceledException"/>. Does nothing after the outcome was consumed.
    /// </summary>
    public void Dispose()
    {
        switch (Interlocked.CompareExchange(ref _state, Disposed, Fresh))
        {
            case Fresh:
                _slot.GiveUp(_token, ThrowHelper.CreateWaitReplyDisposed());
                _slot.Discard(_version);
                break;
            case Waited:
                // A wait may be in progress on another thread: end it. Harmless once the slot has moved on,
                // and then nothing is allocated.
                if (_slot.PhaseFor(_token) is ReplySlot<TReply, TErr>.Queued or ReplySlot<TReply, TErr>.Blocked or ReplySlot<TReply, TErr>.Taken)
                {
                    _slot.GiveUp(_token, ThrowHelper.CreateWaitReplyDisposed());
                }

                break;
        }
    }

    private void BeginWait()
    {
        switch (Interlocked.CompareExchange(ref _state, Waited, Fresh))
        {
            case Waited:
                ThrowHelper.ThrowWaitReplyAlreadyWaited();
                break;
            case Disposed:
                ThrowHelper.ThrowWaitReplyDisposed();
                break;
        }
    }
}
