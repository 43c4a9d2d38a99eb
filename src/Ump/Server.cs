using System.Diagnostics.CodeAnalysis;
using Ump.Internal;

namespace Ump;

/// <summary>The receiving end of an Ump channel: waits for requests and answers each through its <see cref="ReplyContext{TReply, TErr}"/>.</summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// <para>
/// Requests arrive in FIFO order. Several threads or tasks may wait at once; each request goes to exactly one of them.
/// Once every strong client is disposed and the queue is empty, waits fail with
/// <see cref="UmpException"/> of kind <see cref="UmpErrorKind.ClientsDisappeared"/>.
/// </para>
/// <para>
/// <see cref="Complete"/> is the drain: it stops accepting requests and keeps delivering what is queued, after which
/// waits fail with <see cref="UmpErrorKind.ClientsDisappeared"/>, so one loop exit serves both ends.
/// Disposing the server fails every queued request with <see cref="UmpErrorKind.ServerDisappeared"/>; reply contexts
/// already taken keep working. A server that is never disposed but becomes unreachable is disposed by its finalizer,
/// so its callers are not left waiting.
/// </para>
/// </remarks>
public sealed class Server<TReq, TReply, TErr> : IDisposable
{
    private readonly ChannelCore<TReq, TReply, TErr> _core;

    internal Server(ChannelCore<TReq, TReply, TErr> core) => _core = core;

    /// <summary>Fails the queued requests of a server nobody can reach any more, so their callers are not left waiting.</summary>
    ~Server() => _core.DisposeServer();

    /// <summary>Gets the number of requests waiting in the queue (not those waiting for room in a full bounded queue).</summary>
    /// <remarks>A snapshot: other threads may change it at once. Meant for gauges and health checks.</remarks>
    public int Count => _core.QueueLength;

    /// <summary>Blocks until a request arrives and returns it with the context to answer it.</summary>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; no request is lost.</param>
    /// <returns>The request and its reply context. Answer it exactly once with Reply or Fail, or dispose it.</returns>
    /// <exception cref="UmpException">Every strong client is disposed, or the server was completed, and the queue is empty (<see cref="UmpErrorKind.ClientsDisappeared"/>).</exception>
    /// <exception cref="ObjectDisposedException">The server is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public (TReq Request, ReplyContext<TReply, TErr> Reply) Wait(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiter = _core.WaitCore(sync: true, out var item);
        if (waiter is not null)
        {
            waiter.RegisterCancellation(cancellationToken);
            item = waiter.WaitSync();
        }

        // The blocked thread is the only user of this server: keep the finalizer from disposing it mid-wait.
        GC.KeepAlive(this);
        return item;
    }

    /// <summary>Waits asynchronously until a request arrives and returns it with the context to answer it.</summary>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; no request is lost.</param>
    /// <returns>The request and its reply context. Answer it exactly once with Reply or Fail, or dispose it.</returns>
    /// <remarks>
    /// <para>Failures (<see cref="UmpErrorKind.ClientsDisappeared"/>, <see cref="ObjectDisposedException"/>, cancellation) come through the returned task.</para>
    /// <para>
    /// A request already queued is returned synchronously. Otherwise the wait completes from the thread pool's global
    /// queue, as a <c>Channel&lt;T&gt;</c> reader does, never inline on the sender's thread: await it (or block on
    /// <c>AsTask()</c>) rather than reading its result right after a send.
    /// </para>
    /// </remarks>
    public ValueTask<(TReq Request, ReplyContext<TReply, TErr> Reply)> WaitAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<(TReq, ReplyContext<TReply, TErr>)>(cancellationToken);
        }

        ServerWaiter<TReq, TReply, TErr>? waiter;
        (TReq Request, ReplyContext<TReply, TErr> Reply) item;
        try
        {
            waiter = _core.WaitCore(sync: false, out item);
        }
        catch (Exception ex) when (ex is UmpException or ObjectDisposedException)
        {
            return ValueTask.FromException<(TReq, ReplyContext<TReply, TErr>)>(ex);
        }

        if (waiter is null)
        {
            return new ValueTask<(TReq, ReplyContext<TReply, TErr>)>(item);
        }

        waiter.RegisterCancellation(cancellationToken);
        return new ValueTask<(TReq, ReplyContext<TReply, TErr>)>(waiter, waiter.Version);
    }

    /// <summary>Takes the next request if one is queued; never waits.</summary>
    /// <param name="request">The request, when one was taken.</param>
    /// <param name="reply">Its reply context, when one was taken.</param>
    /// <returns><see langword="true"/> when a request was taken.</returns>
    /// <exception cref="UmpException">Every strong client is disposed, or the server was completed, and the queue is empty (<see cref="UmpErrorKind.ClientsDisappeared"/>).</exception>
    /// <exception cref="ObjectDisposedException">The server is disposed.</exception>
    public bool TryWait([MaybeNullWhen(false)] out TReq request, out ReplyContext<TReply, TErr> reply)
    {
        if (_core.TryTake(out var item))
        {
            (request, reply) = item;
            return true;
        }

        request = default;
        reply = default;
        return false;
    }

    /// <summary>
    /// Completes the server (the drain): from now on a new request fails at once with
    /// <see cref="UmpErrorKind.ServerDisappeared"/>, while the requests already queued, and senders already waiting for
    /// room in a bounded queue, are still delivered in order. Once none is left, <see cref="Wait"/>,
    /// <see cref="WaitAsync"/> and <see cref="TryWait"/> fail with <see cref="UmpException"/> of kind
    /// <see cref="UmpErrorKind.ClientsDisappeared"/> ("no more requests will arrive"), as when every client is gone;
    /// a wait already blocked on an empty queue fails so at once.
    /// </summary>
    /// <remarks>
    /// A caller that gives up on a queued request during the drain withdraws it, as usual. Idempotent, and a no-op on a
    /// disposed server; <see cref="Dispose"/> after it fails what is still queued with <see cref="UmpErrorKind.ServerDisappeared"/>.
    /// </remarks>
    public void Complete() => _core.Complete();

    /// <summary>
    /// Disposes the server: every queued request fails with <see cref="UmpErrorKind.ServerDisappeared"/>, pending waits
    /// fail with <see cref="ObjectDisposedException"/>, and later requests fail at once. Reply contexts already taken
    /// still deliver their replies.
    /// </summary>
    public void Dispose()
    {
        _core.DisposeServer();
        // Stryker disable once Statement : equivalent; the finalizer would only dispose the core again, which returns at once for a disposed core.
        GC.SuppressFinalize(this);
    }
}
