using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting;

namespace Ump.Testing.Internal;

/// <summary>
/// One call of a handler created in a scope of its own, as the hosted server's Scoped lifetime does. It lets go of the
/// handler and the scope as the call starts, so that the frames that started the run cannot keep alive a context the
/// handler stored in itself: once the handler is disposed and unreachable, so is the context, and the run reports NoReply.
/// </summary>
internal sealed class ScopedHandlerInvocation<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>
    where THandler : class, IUmpHandler<TReq, TReply, TErr>
{
    private THandler? _handler;
    private AsyncServiceScope? _scope;

    private ScopedHandlerInvocation(THandler handler, AsyncServiceScope scope)
    {
        _handler = handler;
        _scope = scope;
    }

    public static ScopedHandlerInvocation<TReq, TReply, TErr, THandler> Create(IServiceProvider services)
    {
        var scope = services.CreateAsyncScope();
        try
        {
            return new(ActivatorUtilities.CreateInstance<THandler>(scope.ServiceProvider), scope);
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    public ValueTask InvokeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        // Stryker disable once String : unreachable; a run calls its invocation exactly once.
        var handler = _handler ?? throw new InvalidOperationException("This handler call has already been made.");
        var scope = _scope!.Value;
        _handler = null;
        _scope = null;
        return HandleInScopeAsync(handler, scope, request, reply, cancellationToken);
    }

    private static async ValueTask HandleInScopeAsync(
        THandler handler, AsyncServiceScope scope, TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        await using (scope.ConfigureAwait(false))
        {
            try
            {
                await handler.HandleAsync(request, reply, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Created here, not by the container: disposing it is ours to do, as the hosted server does.
                if (handler is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    (handler as IDisposable)?.Dispose();
                }
            }
        }
    }
}
