using Ump.Internal;

namespace Ump;

/// <summary>The sending end of an Ump channel: sends requests and waits, synchronously or asynchronously, for their outcome.</summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// <para>
/// One instance may be used from many threads at once. <see cref="Clone"/> gives another strong client of the same
/// server; the server sees <see cref="UmpErrorKind.ClientsDisappeared"/> once every strong client is disposed, so
/// dispose each clone when done (requests already sent are unaffected).
/// </para>
/// <para>
/// Every request gets exactly one outcome: the reply; <see cref="UmpException{TErr}"/> for an application error;
/// <see cref="UmpException"/> with <see cref="UmpErrorKind.ServerDisappeared"/> or <see cref="UmpErrorKind.NoReply"/>;
/// <see cref="OperationCanceledException"/> when the caller's token fires; or <see cref="TimeoutException"/> when the
/// channel's <see cref="UmpChannelOptions.RequestTimeout"/> passes. A caller that gives up before the server takes its
/// request withdraws it; after that, the server's <see cref="ReplyContext{TReply, TErr}.RequestAborted"/> fires.
/// </para>
/// <para>A <see langword="null"/> request is passed through as is when <typeparamref name="TReq"/> allows it; Ump never inspects requests.</para>
/// </remarks>
public sealed class Client<TReq, TReply, TErr> : IDisposable
{
    private readonly ChannelCore<TReq, TReply, TErr> _core;
    private int _disposed;

    // The caller has already counted this client with the channel.
    internal Client(ChannelCore<TReq, TReply, TErr> core) => _core = core;

    /// <summary>Sends a request and blocks until its outcome.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Gives up on the request: withdrawn if still queued, else the server's <c>RequestAborted</c> fires.</param>
    /// <returns>The server's reply.</returns>
    /// <exception cref="UmpException{TErr}">The server failed the request with an application error.</exception>
    /// <exception cref="UmpException">The server disappeared, or gave up on the request without a reply.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    /// <exception cref="TimeoutException">The channel's request timeout passed first.</exception>
    /// <exception cref="ObjectDisposedException">This client is disposed.</exception>
    public TReply Request(TReq request, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return _core.StartRequest(request, forSend: false, cancellationToken).WaitSync();
    }

    /// <summary>Sends a request and waits asynchronously for its outcome.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Gives up on the request: withdrawn if still queued, else the server's <c>RequestAborted</c> fires.</param>
    /// <returns>The server's reply. Every failure listed on <see cref="Request"/> comes through this task.</returns>
    /// <remarks>Allocation-free in steady state when <paramref name="cancellationToken"/> cannot be canceled and no timeout is set. Await the result once.</remarks>
    public ValueTask<TReply> RequestAsync(TReq request, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ValueTask.FromException<TReply>(ThrowHelper.CreateClientDisposed());
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TReply>(cancellationToken);
        }

        var slot = _core.StartRequest(request, forSend: false, cancellationToken);
        return new ValueTask<TReply>(slot, slot.Version);
    }

    /// <summary>Sends a request now and returns a handle to wait for its outcome later (sync or async), or to give up on it.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Ends only the send itself, which waits when a bounded queue is full. Pass a token to the wait for the rest.</param>
    /// <returns>A <see cref="WaitReply{TReply, TErr}"/>: wait on it once, and dispose it to give up.</returns>
    /// <exception cref="UmpException">The server is gone (<see cref="UmpErrorKind.ServerDisappeared"/>) while waiting for room.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting for room.</exception>
    /// <exception cref="TimeoutException">The channel's request timeout passed while waiting for room.</exception>
    /// <exception cref="ObjectDisposedException">This client is disposed.</exception>
    public WaitReply<TReply, TErr> Send(TReq request, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var slot = _core.StartRequest(request, forSend: true, cancellationToken);
        var version = slot.Version;
        var token = slot.Token;
        if (slot.Admission is { } admission)
        {
            slot.RegisterCancellation(cancellationToken);
            try
            {
                admission.Task.GetAwaiter().GetResult();
            }
            finally
            {
                slot.UnregisterCancellation();
            }
        }

        return new WaitReply<TReply, TErr>(slot, version, token);
    }

    /// <summary>Sends a request now and returns a handle to wait for its outcome later; waits asynchronously when a bounded queue is full.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Ends only the send itself, which waits when a bounded queue is full.</param>
    /// <returns>A <see cref="WaitReply{TReply, TErr}"/>. Every failure listed on <see cref="Send"/> comes through this task.</returns>
    public ValueTask<WaitReply<TReply, TErr>> SendAsync(TReq request, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ValueTask.FromException<WaitReply<TReply, TErr>>(ThrowHelper.CreateClientDisposed());
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<WaitReply<TReply, TErr>>(cancellationToken);
        }

        var slot = _core.StartRequest(request, forSend: true, cancellationToken);
        var reply = new WaitReply<TReply, TErr>(slot, slot.Version, slot.Token);
        return slot.Admission is { } admission
            ? WaitForAdmissionAsync(slot, admission, reply, cancellationToken)
            : new ValueTask<WaitReply<TReply, TErr>>(reply);
    }

    /// <summary>Creates another strong client of the same server; dispose it when done.</summary>
    /// <returns>A new, independent client.</returns>
    /// <exception cref="ObjectDisposedException">This client is disposed.</exception>
    public Client<TReq, TReply, TErr> Clone()
    {
        ThrowIfDisposed();
        if (!_core.TryAddClient())
        {
            // Only reachable when this client is being disposed on another thread right now.
            ThrowHelper.ThrowClientDisposed();
        }

        return new Client<TReq, TReply, TErr>(_core);
    }

    /// <summary>Creates a weak client: it does not keep the channel's clients alive, and can be upgraded to a strong client while one lives.</summary>
    /// <returns>A weak client of the same server.</returns>
    /// <exception cref="ObjectDisposedException">This client is disposed.</exception>
    public WeakClient<TReq, TReply, TErr> Weak()
    {
        ThrowIfDisposed();
        return new WeakClient<TReq, TReply, TErr>(_core);
    }

    /// <summary>Disposes this client. Its requests already sent complete normally; the last strong client's disposal lets the server see <see cref="UmpErrorKind.ClientsDisappeared"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _core.RemoveClient();
        }
    }

    private static async ValueTask<WaitReply<TReply, TErr>> WaitForAdmissionAsync(ReplySlot<TReply, TErr> slot, TaskCompletionSource admission, WaitReply<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        slot.RegisterCancellation(cancellationToken);
        try
        {
            await admission.Task.ConfigureAwait(false);
        }
        finally
        {
            slot.UnregisterCancellation();
        }

        return reply;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowClientDisposed();
        }
    }
}
