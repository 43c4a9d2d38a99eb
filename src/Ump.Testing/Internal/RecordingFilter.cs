using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting;

namespace Ump.Testing.Internal;

/// <summary>Hands each request to its server's recorder (a keyed singleton, the key being the server's name), then passes it on.</summary>
internal sealed class RecordingFilter<TReq, TReply, TErr> : IUmpFilter<TReq, TReply, TErr>
{
    public ValueTask InvokeAsync(UmpHandlerContext<TReq, TReply, TErr> context, UmpHandlerDelegate<TReq, TReply, TErr> next)
    {
        context.Services.GetRequiredKeyedService<UmpRequestRecorder<TReq, TReply, TErr>>(context.ServerName).Record(context.Request);
        return next(context);
    }
}
