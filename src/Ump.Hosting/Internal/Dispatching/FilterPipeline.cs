using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Internal.Dispatching;

/// <summary>
/// A server's filters around its handler, chained once when the dispatcher starts: each filter's <c>next</c> is a delegate
/// made then, so a request costs no delegate and, one at a time, no context either (one spare context is reused).
/// </summary>
internal sealed class FilterPipeline<TReq, TReply, TErr>
{
    private readonly string _serverName;
    private readonly UmpHandlerDelegate<TReq, TReply, TErr> _entry;
    private readonly IUmpFilter<TReq, TReply, TErr>[] _singletons;
    private UmpHandlerContext<TReq, TReply, TErr>? _spare;

    /// <param name="serverName">The server's name, for <see cref="UmpHandlerContext{TReq, TReply, TErr}.ServerName"/>.</param>
    /// <param name="filters">The filters, outermost first.</param>
    /// <param name="singletonServices">The root provider, to create each filter once now; <see langword="null"/> to create them per request, in its scope.</param>
    /// <param name="handler">The innermost step: the handler.</param>
    public FilterPipeline(
        string serverName,
        UmpFilterRegistration<TReq, TReply, TErr>[] filters,
        IServiceProvider? singletonServices,
        UmpHandlerDelegate<TReq, TReply, TErr> handler)
    {
        _serverName = serverName;
        _singletons = singletonServices is null ? [] : new IUmpFilter<TReq, TReply, TErr>[filters.Length];
        var next = handler;
        for (var i = filters.Length - 1; i >= 0; i--)
        {
            var factory = ActivatorUtilities.CreateFactory(filters[i].FilterType, Type.EmptyTypes);
            if (singletonServices is null)
            {
                next = new ScopedStep(factory, next).InvokeAsync;
            }
            else
            {
                IUmpFilter<TReq, TReply, TErr> filter;
                try
                {
                    filter = (IUmpFilter<TReq, TReply, TErr>)factory(singletonServices, null);
                }
                catch
                {
                    // The start fails: the ones made already are nobody else's to dispose.
                    Dispose();
                    throw;
                }

                _singletons[i] = filter;
                next = new SingletonStep(filter, next).InvokeAsync;
            }
        }

        _entry = next;
    }

    /// <summary>Runs one request through the filters and the handler.</summary>
    public ValueTask InvokeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken, IServiceProvider services)
    {
        // The exchange takes the spare for this call alone; concurrent calls find none and make their own.
        var context = Interlocked.Exchange(ref _spare, null) ?? new UmpHandlerContext<TReq, TReply, TErr>(_serverName);
        context.Initialize(request, reply, cancellationToken, services);
        ValueTask pipeline;
        try
        {
            pipeline = _entry(context);
        }
        catch
        {
            Release(context);
            throw;
        }

        if (!pipeline.IsCompletedSuccessfully)
        {
            return AwaitAndReleaseAsync(pipeline, context);
        }

        // Finished synchronously: no state machine at all.
        pipeline.GetAwaiter().GetResult();
        Release(context);
        return default;
    }

    /// <summary>Disposes the filters created once (a singleton server's), innermost first.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _singletons.Length - 1; i >= 0; i--)
        {
            await Disposer.DisposeAsync(_singletons[i]).ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose()
    {
        for (var i = _singletons.Length - 1; i >= 0; i--)
        {
            Disposer.Dispose(_singletons[i]);
        }
    }

    private async ValueTask AwaitAndReleaseAsync(ValueTask pipeline, UmpHandlerContext<TReq, TReply, TErr> context)
    {
        try
        {
            await pipeline.ConfigureAwait(false);
        }
        finally
        {
            Release(context);
        }
    }

    private void Release(UmpHandlerContext<TReq, TReply, TErr> context)
    {
        // Reset before it is published again (the volatile write orders them), so the next call never sees this request.
        context.Reset();
        Volatile.Write(ref _spare, context);
    }

    private sealed class SingletonStep(IUmpFilter<TReq, TReply, TErr> filter, UmpHandlerDelegate<TReq, TReply, TErr> next)
    {
        public ValueTask InvokeAsync(UmpHandlerContext<TReq, TReply, TErr> context) => filter.InvokeAsync(context, next);
    }

    /// <summary>Creates its filter in the request's scope only when the request gets this far, and disposes it when its call returns.</summary>
    private sealed class ScopedStep(ObjectFactory factory, UmpHandlerDelegate<TReq, TReply, TErr> next)
    {
        public ValueTask InvokeAsync(UmpHandlerContext<TReq, TReply, TErr> context)
        {
            var filter = (IUmpFilter<TReq, TReply, TErr>)factory(context.Services, null);
            return filter is IDisposable or IAsyncDisposable ? InvokeAndDisposeAsync(filter, context) : filter.InvokeAsync(context, next);
        }

        private async ValueTask InvokeAndDisposeAsync(IUmpFilter<TReq, TReply, TErr> filter, UmpHandlerContext<TReq, TReply, TErr> context)
        {
            try
            {
                await filter.InvokeAsync(context, next).ConfigureAwait(false);
            }
            finally
            {
                await Disposer.DisposeAsync(filter).ConfigureAwait(false);
            }
        }
    }
}
