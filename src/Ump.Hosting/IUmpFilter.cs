namespace Ump.Hosting;

/// <summary>
/// Code that runs around every handler call of one Ump server (validation, logging, a unit of work, exception mapping), as
/// ASP.NET Core middleware runs around endpoints. Add it with <c>builder.AddFilter&lt;TFilter&gt;()</c>; filters run in the
/// order added, the first outermost.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// <para>
/// A filter is created like the server's handler, from its constructor: in the request's DI scope for a
/// <see cref="Microsoft.Extensions.DependencyInjection.ServiceLifetime.Scoped"/> or
/// <see cref="Microsoft.Extensions.DependencyInjection.ServiceLifetime.Transient"/> handler (only when the request reaches it,
/// disposed when its call returns), once for a <see cref="Microsoft.Extensions.DependencyInjection.ServiceLifetime.Singleton"/>
/// one (then it must be thread-safe when <see cref="UmpServerOptions.MaxConcurrency"/> is above 1). A constructor parameter the
/// container cannot supply stops the host's start, as for a handler.
/// </para>
/// <para>
/// A filter may answer the request itself through <see cref="UmpHandlerContext{TReq, TReply, TErr}.Reply"/> and not call
/// <c>next</c> (a short-circuit: nothing further in, the handler included, runs), and it sees what the handler did once
/// <c>await next(context)</c> returns or throws (<see cref="ReplyContext{TReply, TErr}.IsPending"/>, the exception). An exception
/// that leaves a filter is handled as one from a handler: logged, and a caller still waiting gets
/// <see cref="UmpErrorKind.NoReply"/> with it as <see cref="Exception.InnerException"/>.
/// </para>
/// </remarks>
public interface IUmpFilter<TReq, TReply, TErr>
{
    /// <summary>Runs around the rest of the server's filters and its handler.</summary>
    /// <param name="context">The request being handled; valid until the returned task completes.</param>
    /// <param name="next">The rest of the pipeline: the next filter, or the handler.</param>
    /// <returns>A task that completes when the filter is done with the request.</returns>
    ValueTask InvokeAsync(UmpHandlerContext<TReq, TReply, TErr> context, UmpHandlerDelegate<TReq, TReply, TErr> next);
}
