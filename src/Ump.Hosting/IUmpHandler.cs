namespace Ump.Hosting;

/// <summary>
/// Handles the requests of one hosted Ump server. Implement it and register it with
/// <c>services.AddUmpServer&lt;TReq, TReply, TErr, THandler&gt;()</c>; the handler class needs no registration of its own.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type; <see cref="NoError"/> when requests never fail with an application error.</typeparam>
/// <remarks>
/// <para>
/// The dispatcher creates the handler with its constructor dependencies: in a fresh DI scope per request for
/// <see cref="Microsoft.Extensions.DependencyInjection.ServiceLifetime.Scoped"/> and
/// <see cref="Microsoft.Extensions.DependencyInjection.ServiceLifetime.Transient"/> (the scope, and the handler if it is
/// disposable, are disposed once <see cref="HandleAsync"/> returns), or once from the root provider for
/// <see cref="Microsoft.Extensions.DependencyInjection.ServiceLifetime.Singleton"/> (see <see cref="UmpServerOptions.HandlerLifetime"/>).
/// </para>
/// <para>
/// Answer each request exactly once through the <see cref="ReplyContext{TReply, TErr}"/>:
/// <see cref="ReplyContext{TReply, TErr}.Reply"/> or <see cref="ReplyContext{TReply, TErr}.Fail"/>. The context may be handed
/// to other code and answered after <see cref="HandleAsync"/> returns; the dispatcher keeps no reference to it, so a context
/// nobody holds is collected and its caller gets <see cref="UmpErrorKind.NoReply"/>. An exception thrown from
/// <see cref="HandleAsync"/> is logged and gives the caller <see cref="UmpErrorKind.NoReply"/> with that exception as
/// <see cref="Exception.InnerException"/>.
/// </para>
/// </remarks>
public interface IUmpHandler<TReq, TReply, TErr>
{
    /// <summary>Handles one request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="reply">The context to answer the request with, exactly once.</param>
    /// <param name="cancellationToken">
    /// Fires when the caller gives up (its token fired, its timeout passed, or it stopped waiting) or when the server's
    /// <see cref="UmpServerOptions.ShutdownTimeout"/> passes during shutdown; not when shutdown begins.
    /// </param>
    /// <returns>A task that completes when the handler is done with the request.</returns>
    ValueTask HandleAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken);
}
