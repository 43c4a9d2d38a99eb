namespace Ump.Hosting;

/// <summary>The rest of a server's pipeline, as a filter sees it: the next filter, or the handler.</summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <param name="context">The request being handled.</param>
/// <returns>A task that completes when the rest of the pipeline is done with the request.</returns>
public delegate ValueTask UmpHandlerDelegate<TReq, TReply, TErr>(UmpHandlerContext<TReq, TReply, TErr> context);
