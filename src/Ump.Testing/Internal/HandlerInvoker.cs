namespace Ump.Testing.Internal;

/// <summary>Calls a handler with one request: an instance the test owns, or one created in a scope of its own.</summary>
internal delegate ValueTask HandlerInvoker<TReq, TReply, TErr>(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken);
