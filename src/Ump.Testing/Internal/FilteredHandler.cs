using Ump.Hosting;

namespace Ump.Testing.Internal;

/// <summary>A filter around a handler, as one handler the tester can run: what a dispatcher does for a server with one filter.</summary>
internal sealed class FilteredHandler<TReq, TReply, TErr>(IUmpFilter<TReq, TReply, TErr> filter, IUmpHandler<TReq, TReply, TErr> handler)
{
    private static readonly IServiceProvider s_noServices = new NoServices();

    private readonly UmpHandlerDelegate<TReq, TReply, TErr> _next = context => handler.HandleAsync(context.Request, context.Reply, context.CancellationToken);

    public async ValueTask InvokeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        var context = new UmpHandlerContext<TReq, TReply, TErr>(string.Empty);
        context.Initialize(request, reply, cancellationToken, s_noServices);
        try
        {
            await filter.InvokeAsync(context, _next).ConfigureAwait(false);
        }
        finally
        {
            // As the dispatcher does: the context lets go of the request, so a context nobody answers is collected.
            context.Reset();
        }
    }

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
