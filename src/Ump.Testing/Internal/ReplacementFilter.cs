using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting;

namespace Ump.Testing.Internal;

/// <summary>What answers a server's requests in place of its handler; a keyed singleton, the key being the server's name.</summary>
internal sealed class HandlerReplacement<TReq, TReply, TErr>(HandlerInvoker<TReq, TReply, TErr> invoke)
{
    public HandlerInvoker<TReq, TReply, TErr> Invoke { get; } = invoke;
}

/// <summary>Answers through the replacement and never calls on: the registered handler (and any filter added later) does not run.</summary>
internal sealed class ReplacementFilter<TReq, TReply, TErr> : IUmpFilter<TReq, TReply, TErr>
{
    public ValueTask InvokeAsync(UmpHandlerContext<TReq, TReply, TErr> context, UmpHandlerDelegate<TReq, TReply, TErr> next) =>
        context.Services.GetRequiredKeyedService<HandlerReplacement<TReq, TReply, TErr>>(context.ServerName)
            .Invoke(context.Request, context.Reply, context.CancellationToken);
}
