using Ump.Internal;

namespace Ump;

/// <summary>
/// The server's handle to answer one request: call <see cref="Reply"/> or <see cref="Fail"/> exactly once, or
/// <see cref="Dispose"/> it to give the caller <see cref="UmpErrorKind.NoReply"/>.
/// </summary>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// <para>
/// A small value that can be copied and handed to other code or threads; all copies stand for the same request.
/// Its one use is the first of <see cref="Reply"/>, <see cref="Fail"/>, <see cref="Abandon(Exception)"/> or <see cref="Dispose"/>;
/// any later Reply, Fail or Abandon throws <see cref="InvalidOperationException"/> and the first outcome stands. A copy
/// kept after its request ended can never answer a different request.
/// </para>
/// <para>
/// It outlives the server: replying after the server was disposed still reaches the caller. A context dropped without
/// an answer and garbage-collected gives the caller <see cref="UmpErrorKind.NoReply"/> rather than a hang; dispose it
/// to do so at once.
/// </para>
/// </remarks>
public readonly struct ReplyContext<TReply, TErr> : IDisposable, IEquatable<ReplyContext<TReply, TErr>>
{
    private readonly Responder<TReply, TErr>? _responder;
    private readonly int _version;

    internal ReplyContext(Responder<TReply, TErr> responder, int version)
    {
        _responder = responder;
        _version = version;
    }

    /// <summary>Gets a token that fires when the caller gives up (its token fired, its timeout passed, or it disposed its wait).</summary>
    /// <value>
    /// Already canceled when the caller has given up. <see cref="CancellationToken.None"/> once this context has been
    /// used, or for a default value: nothing can abort the request any more.
    /// </value>
    public CancellationToken RequestAborted => _responder?.GetRequestAborted(_version) ?? CancellationToken.None;

    /// <summary>
    /// Gets the value the channel's <see cref="UmpChannelObserver.OnRequestSent"/> returned for this request, such as
    /// the caller's activity for tracing; <see langword="null"/> without an observer, or once the context has been used.
    /// </summary>
    public object? ObserverState => _responder?.GetObserverState(_version);

    /// <summary>Gets whether this context can still answer: it belongs to a request and its one use has not happened yet.</summary>
    public bool IsPending => _responder is not null && _responder.IsLive(_version);

    /// <summary>Compares two contexts; equal when they stand for the same request.</summary>
    /// <param name="left">The first context.</param>
    /// <param name="right">The second context.</param>
    /// <returns><see langword="true"/> when both stand for the same request.</returns>
    public static bool operator ==(ReplyContext<TReply, TErr> left, ReplyContext<TReply, TErr> right) => left.Equals(right);

    /// <summary>Compares two contexts; equal when they stand for the same request.</summary>
    /// <param name="left">The first context.</param>
    /// <param name="right">The second context.</param>
    /// <returns><see langword="true"/> when they stand for different requests.</returns>
    public static bool operator !=(ReplyContext<TReply, TErr> left, ReplyContext<TReply, TErr> right) => !left.Equals(right);

    /// <summary>Sends the reply to the caller.</summary>
    /// <param name="reply">The reply.</param>
    /// <returns><see langword="true"/> when the caller gets it; <see langword="false"/> when the caller had already given up (this still counts as the context's one use).</returns>
    /// <exception cref="InvalidOperationException">The context was already used, or is a default value.</exception>
    public bool Reply(TReply reply) => Responder.Reply(_version, reply);

    /// <summary>Fails the request with an application error: the caller gets <see cref="UmpException{TErr}"/> carrying <paramref name="error"/>.</summary>
    /// <param name="error">The application error.</param>
    /// <returns><see langword="true"/> when the caller gets it; <see langword="false"/> when the caller had already given up (this still counts as the context's one use).</returns>
    /// <exception cref="InvalidOperationException">The context was already used, or is a default value.</exception>
    public bool Fail(TErr error)
    {
        var responder = Responder;
        // Stryker disable once Statement,Block : equivalent; Responder.Fail throws the same for a used context (this check only spares building the exception).
        if (!responder.IsLive(_version))
        {
            ThrowHelper.ThrowReplyContextUsed();
        }

        return responder.Fail(_version, new UmpException<TErr>(error));
    }

    /// <summary>
    /// Gives up on the request without an answer, with a reason: the caller gets <see cref="UmpException"/> of kind
    /// <see cref="UmpErrorKind.NoReply"/> whose <see cref="Exception.InnerException"/> is <paramref name="reason"/>.
    /// </summary>
    /// <param name="reason">Why no answer is coming, such as the exception a handler threw; may be <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when the caller gets it; <see langword="false"/> when the caller had already given up.</returns>
    /// <exception cref="InvalidOperationException">The context was already used, or is a default value.</exception>
    public bool Abandon(Exception? reason) => Responder.Fail(_version, ThrowHelper.CreateNoReply(reason));

    /// <summary>
    /// Gives up on the request without an answer, with the outcome a server loop reports: <see cref="UmpErrorKind.NoReply"/>
    /// (the handler did not answer) or <see cref="UmpErrorKind.ServerDisappeared"/> (the server is shutting down and
    /// will not answer). The caller gets <see cref="UmpException"/> of that kind with <paramref name="reason"/> as its inner exception.
    /// </summary>
    /// <param name="kind"><see cref="UmpErrorKind.NoReply"/> or <see cref="UmpErrorKind.ServerDisappeared"/>.</param>
    /// <param name="reason">Why no answer is coming; may be <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when the caller gets it; <see langword="false"/> when the caller had already given up.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is neither NoReply nor ServerDisappeared.</exception>
    /// <exception cref="InvalidOperationException">The context was already used, or is a default value.</exception>
    public bool Abandon(UmpErrorKind kind, Exception? reason) => kind switch
    {
        UmpErrorKind.NoReply => Abandon(reason),
        UmpErrorKind.ServerDisappeared => Responder.Fail(_version, ThrowHelper.CreateServerDisappeared(reason)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "A reply context can be abandoned only with NoReply or ServerDisappeared; use Fail for an application error."),
    };

    /// <summary>
    /// Ends the request from the server's side without using this context: the caller gets <see cref="UmpException"/> of
    /// kind <see cref="UmpErrorKind.ServerDisappeared"/> at once (with <paramref name="reason"/> as its inner exception),
    /// and whoever holds the context later finds <see cref="Reply"/>, <see cref="Fail"/> and <see cref="Abandon(Exception)"/>
    /// returning <see langword="false"/>, exactly as after the caller gave up, instead of throwing.
    /// </summary>
    /// <param name="reason">Why the server stopped waiting for the answer, such as a shutdown deadline; may be <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when this ended the request; <see langword="false"/> when it already had an outcome or the context was used.</returns>
    /// <remarks>
    /// For a server loop that stops waiting for a handler still holding the context (a drain deadline): the handler, which
    /// answers exactly once, never gets an exception for it. <see cref="RequestAborted"/> does not fire, because it reports
    /// the caller giving up; tell the handler through a token of the loop's own. Safe to call from any thread, racing a reply.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The context is a default value.</exception>
    public bool Abort(Exception? reason = null) => Responder.Abort(_version, ThrowHelper.CreateServerDisappeared(reason));

    /// <summary>
    /// Gives the caller <see cref="UmpErrorKind.NoReply"/> if the context has not been used; otherwise does nothing.
    /// Safe to call any number of times, so <c>using</c> a context is fine.
    /// </summary>
    public void Dispose() => _responder?.Release(_version);

    /// <inheritdoc/>
    public bool Equals(ReplyContext<TReply, TErr> other) => ReferenceEquals(_responder, other._responder) && _version == other._version;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ReplyContext<TReply, TErr> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_responder, _version);

    private Responder<TReply, TErr> Responder
    {
        get
        {
            if (_responder is null)
            {
                ThrowHelper.ThrowDefaultReplyContext();
            }

            return _responder;
        }
    }
}
