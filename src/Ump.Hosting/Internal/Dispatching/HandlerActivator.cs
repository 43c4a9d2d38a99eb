using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Internal.Dispatching;

/// <summary>
/// Creates a server's handler: once for the server's life (<see cref="ServiceLifetime.Singleton"/>), or in a fresh DI scope
/// per request (<see cref="ServiceLifetime.Scoped"/>, <see cref="ServiceLifetime.Transient"/>), disposed after the call.
/// </summary>
internal abstract class HandlerActivator<TReq, TReply, TErr>
{
    /// <summary>Gets the handler's type, for log records and messages.</summary>
    public abstract string HandlerType { get; }

    /// <summary>Checks that the handler can be created, and creates the singleton; throws <see cref="InvalidOperationException"/> naming what is missing.</summary>
    public abstract void Start(string displayName);

    /// <summary>Runs one request through a handler.</summary>
    public abstract ValueTask InvokeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken);

    /// <summary>Disposes the singleton handler, when <paramref name="dispose"/> says so.</summary>
    public abstract ValueTask DisposeAsync(bool dispose);

    /// <inheritdoc cref="DisposeAsync(bool)"/>
    public abstract void Dispose(bool dispose);
}

/// <inheritdoc/>
internal sealed class HandlerActivator<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
    IServiceProvider services, ServiceLifetime lifetime) : HandlerActivator<TReq, TReply, TErr>
    where THandler : class, IUmpHandler<TReq, TReply, TErr>
{
    private static readonly string s_handlerType = typeof(THandler).ToString();

    private readonly IServiceScopeFactory _scopes = services.GetRequiredService<IServiceScopeFactory>();
    private ObjectFactory<THandler>? _factory;
    private THandler? _singleton;

    public override string HandlerType => s_handlerType;

    public override void Start(string displayName)
    {
        // The root provider answers for every lifetime: scoped services are registered there too.
        if (ServiceDependencies.FindMissing(typeof(THandler), services) is { } missing)
        {
            throw new InvalidOperationException(
                $"Ump server '{displayName}' cannot create its handler {s_handlerType}: no service is registered for {missing}. Register it, or give the parameter a default value.");
        }

        _factory = ActivatorUtilities.CreateFactory<THandler>(Type.EmptyTypes);
        if (lifetime == ServiceLifetime.Singleton)
        {
            _singleton = _factory(services, null);
        }
    }

    public override ValueTask InvokeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken) =>
        _singleton is { } singleton ? singleton.HandleAsync(request, reply, cancellationToken) : InvokeInScopeAsync(request, reply, cancellationToken);

    public override ValueTask DisposeAsync(bool dispose) => dispose ? DisposeHandlerAsync(Interlocked.Exchange(ref _singleton, null)) : default;

    public override void Dispose(bool dispose)
    {
        switch (dispose ? Interlocked.Exchange(ref _singleton, null) : null)
        {
            case IDisposable disposable:
                disposable.Dispose();
                break;
            case IAsyncDisposable asyncDisposable:
                // Disposed synchronously by its owner (a container disposed without DisposeAsync): wait, as the container would not.
                asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                break;
        }
    }

    private static ValueTask DisposeHandlerAsync(THandler? handler)
    {
        if (handler is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        (handler as IDisposable)?.Dispose();
        return default;
    }

    private async ValueTask InvokeInScopeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        try
        {
            var handler = _factory!(scope.ServiceProvider, null);
            try
            {
                await handler.HandleAsync(request, reply, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Created here, not by the container: disposing it is ours to do.
                await DisposeHandlerAsync(handler).ConfigureAwait(false);
            }
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}
