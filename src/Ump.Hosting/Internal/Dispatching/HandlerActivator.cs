using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Internal.Dispatching;

/// <summary>
/// Creates a server's handler (and its filters): once for the server's life (<see cref="ServiceLifetime.Singleton"/>), or in
/// a fresh DI scope per request (<see cref="ServiceLifetime.Scoped"/>, <see cref="ServiceLifetime.Transient"/>), disposed after the call.
/// </summary>
internal abstract class HandlerActivator<TReq, TReply, TErr>
{
    /// <summary>Gets the handler's type, for log records and messages.</summary>
    public abstract string HandlerType { get; }

    /// <summary>Checks that the handler and the filters can be created, and creates the singletons; throws <see cref="InvalidOperationException"/> naming what is missing.</summary>
    public abstract void Start(string displayName);

    /// <summary>Runs one request through the filters and a handler.</summary>
    public abstract ValueTask InvokeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken);

    /// <summary>Disposes the singleton handler and filters, when <paramref name="dispose"/> says so.</summary>
    public abstract ValueTask DisposeAsync(bool dispose);

    /// <inheritdoc cref="DisposeAsync(bool)"/>
    public abstract void Dispose(bool dispose);
}

/// <inheritdoc/>
internal sealed class HandlerActivator<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
    IServiceProvider services, ServiceLifetime lifetime, string serverName, UmpFilterRegistration<TReq, TReply, TErr>[] filters)
    : HandlerActivator<TReq, TReply, TErr>
    where THandler : class, IUmpHandler<TReq, TReply, TErr>
{
    private static readonly string s_handlerType = typeof(THandler).ToString();

    private readonly IServiceScopeFactory _scopes = services.GetRequiredService<IServiceScopeFactory>();
    private ObjectFactory<THandler>? _factory;
    private THandler? _singleton;
    // Null without filters: such a server pays nothing for them.
    private FilterPipeline<TReq, TReply, TErr>? _pipeline;

    public override string HandlerType => s_handlerType;

    public override void Start(string displayName)
    {
        // The root provider answers for every lifetime: scoped services are registered there too.
        if (ServiceDependencies.FindMissing(typeof(THandler), services) is { } missing)
        {
            throw new InvalidOperationException(
                $"Ump server '{displayName}' cannot create its handler {s_handlerType}: no service is registered for {missing}. Register it, or give the parameter a default value.");
        }

        foreach (var filter in filters)
        {
            if (ServiceDependencies.FindMissing(filter.FilterType, services) is { } missingForFilter)
            {
                throw new InvalidOperationException(
                    $"Ump server '{displayName}' cannot create its filter {filter.FilterType}: no service is registered for {missingForFilter}. Register it, or give the parameter a default value.");
            }
        }

        _factory = ActivatorUtilities.CreateFactory<THandler>(Type.EmptyTypes);
        var singleton = lifetime == ServiceLifetime.Singleton;
        if (singleton)
        {
            _singleton = _factory(services, null);
        }

        if (filters.Length > 0)
        {
            try
            {
                _pipeline = new FilterPipeline<TReq, TReply, TErr>(serverName, filters, singleton ? services : null, HandleAsync);
            }
            catch
            {
                Disposer.Dispose(Interlocked.Exchange(ref _singleton, null));
                throw;
            }
        }
    }

    public override ValueTask InvokeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        if (_singleton is { } singleton)
        {
            return _pipeline is { } pipeline
                ? pipeline.InvokeAsync(request, reply, cancellationToken, services)
                : singleton.HandleAsync(request, reply, cancellationToken);
        }

        return InvokeInScopeAsync(request, reply, cancellationToken);
    }

    public override async ValueTask DisposeAsync(bool dispose)
    {
        if (dispose)
        {
            if (_pipeline is { } pipeline)
            {
                await pipeline.DisposeAsync().ConfigureAwait(false);
            }

            await Disposer.DisposeAsync(Interlocked.Exchange(ref _singleton, null)).ConfigureAwait(false);
        }
    }

    public override void Dispose(bool dispose)
    {
        if (dispose)
        {
            _pipeline?.Dispose();
            Disposer.Dispose(Interlocked.Exchange(ref _singleton, null));
        }
    }

    private async ValueTask InvokeInScopeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        try
        {
            if (_pipeline is { } pipeline)
            {
                await pipeline.InvokeAsync(request, reply, cancellationToken, scope.ServiceProvider).ConfigureAwait(false);
            }
            else
            {
                // Stryker disable once Boolean : equivalent; this runs from the loop, whose continuations the runtime never inlines under a user context or scheduler, and CreateAndHandleAsync restores any context its user code set: there is nothing to capture.
                await CreateAndHandleAsync(scope.ServiceProvider, request, reply, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The pipeline's innermost step.</summary>
    private ValueTask HandleAsync(UmpHandlerContext<TReq, TReply, TErr> context) =>
        _singleton is { } singleton
            ? singleton.HandleAsync(context.Request, context.Reply, context.CancellationToken)
            : CreateAndHandleAsync(context.Services, context.Request, context.Reply, context.CancellationToken);

    private async ValueTask CreateAndHandleAsync(IServiceProvider scope, TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        var handler = _factory!(scope, null);
        try
        {
            await handler.HandleAsync(request, reply, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Created here, not by the container: disposing it is ours to do.
            await Disposer.DisposeAsync(handler).ConfigureAwait(false);
        }
    }
}
