using Microsoft.Extensions.DependencyInjection.Extensions;
using Ump;
using Ump.Hosting;
using Ump.Testing;
using Ump.Testing.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Integration-test hooks into Ump servers registered by the code under test (<c>AddUmpServer</c>, <c>AddUmpOrleansServer</c>):
/// record the requests a server received, or answer them in place of its handler. Call them after the application's own
/// registrations, as in <c>WebApplicationFactory.ConfigureTestServices</c>.
/// </summary>
public static class UmpTestingServiceCollectionExtensions
{
    /// <summary>Records the requests the unnamed server of these type arguments receives.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The service collection, with the server registered.</param>
    /// <returns>The server's recorder (the same one when called again).</returns>
    /// <exception cref="InvalidOperationException">No such server is registered.</exception>
    /// <inheritdoc cref="RecordUmpRequests{TReq, TReply, TErr}(IServiceCollection, string)" path="/remarks"/>
    public static UmpRequestRecorder<TReq, TReply, TErr> RecordUmpRequests<TReq, TReply, TErr>(this IServiceCollection services)
    {
        // Stryker disable once Statement : equivalent; ConfigureUmpServer, called next, throws the same ArgumentNullException for services.
        ArgumentNullException.ThrowIfNull(services);
        return Record<TReq, TReply, TErr>(services.ConfigureUmpServer<TReq, TReply, TErr>());
    }

    /// <summary>Records the requests the server named <paramref name="name"/> receives.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The service collection, with the server registered.</param>
    /// <param name="name">The server's name.</param>
    /// <returns>The server's recorder (the same one when called again); also a keyed singleton, the key being the name.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">No such server is registered.</exception>
    /// <remarks>
    /// The recorder is a filter added after the server's own: it sees each request those let through, before the handler.
    /// Call it before <see cref="ReplaceUmpHandler{TReq, TReply, TErr}(IServiceCollection, string, IUmpHandler{TReq, TReply, TErr})"/>
    /// to record the requests a replacement answers.
    /// </remarks>
    public static UmpRequestRecorder<TReq, TReply, TErr> RecordUmpRequests<TReq, TReply, TErr>(this IServiceCollection services, string name)
    {
        // Stryker disable once Statement : equivalent; ConfigureUmpServer, called next, throws the same ArgumentNullException for services.
        ArgumentNullException.ThrowIfNull(services);
        return Record<TReq, TReply, TErr>(services.ConfigureUmpServer<TReq, TReply, TErr>(name));
    }

    /// <summary>Answers the requests of the unnamed server of these type arguments with <paramref name="handler"/> instead of its own handler.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The service collection, with the server registered.</param>
    /// <param name="handler">Answers every request, possibly many at once.</param>
    /// <returns>The same service collection.</returns>
    /// <exception cref="InvalidOperationException">No such server is registered.</exception>
    /// <inheritdoc cref="ReplaceUmpHandler{TReq, TReply, TErr}(IServiceCollection, string, IUmpHandler{TReq, TReply, TErr})" path="/remarks"/>
    public static IServiceCollection ReplaceUmpHandler<TReq, TReply, TErr>(this IServiceCollection services, IUmpHandler<TReq, TReply, TErr> handler)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(handler);
        return Replace<TReq, TReply, TErr>(services.ConfigureUmpServer<TReq, TReply, TErr>(), handler.HandleAsync);
    }

    /// <summary>Answers the requests of the server named <paramref name="name"/> with <paramref name="handler"/> instead of its own handler.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The service collection, with the server registered.</param>
    /// <param name="name">The server's name.</param>
    /// <param name="handler">Answers every request, possibly many at once.</param>
    /// <returns>The same service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">No such server is registered.</exception>
    /// <remarks>
    /// Everything else about the server stays: its options, the filters added before, telemetry, the drain. The replacement is
    /// a filter that never calls on, so the registered handler is not called (a Singleton one is still created at start, and
    /// its dependencies are checked as usual) and filters added after it do not run. Calling it again replaces the replacement.
    /// </remarks>
    public static IServiceCollection ReplaceUmpHandler<TReq, TReply, TErr>(this IServiceCollection services, string name, IUmpHandler<TReq, TReply, TErr> handler)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(handler);
        return Replace<TReq, TReply, TErr>(services.ConfigureUmpServer<TReq, TReply, TErr>(name), handler.HandleAsync);
    }

    /// <summary>Answers each request of the unnamed server of these type arguments with what <paramref name="reply"/> returns for it, instead of its handler.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The service collection, with the server registered.</param>
    /// <param name="reply">Computes the reply; throw <see cref="UmpException{TErr}"/> to fail the request with an application error.</param>
    /// <returns>The same service collection.</returns>
    /// <exception cref="InvalidOperationException">No such server is registered.</exception>
    /// <inheritdoc cref="ReplaceUmpHandler{TReq, TReply, TErr}(IServiceCollection, string, IUmpHandler{TReq, TReply, TErr})" path="/remarks"/>
    public static IServiceCollection ReplaceUmpHandler<TReq, TReply, TErr>(this IServiceCollection services, Func<TReq, TReply> reply)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(reply);
        return Replace<TReq, TReply, TErr>(services.ConfigureUmpServer<TReq, TReply, TErr>(), FromFunction<TReq, TReply, TErr>(reply));
    }

    /// <summary>Answers each request of the server named <paramref name="name"/> with what <paramref name="reply"/> returns for it, instead of its handler.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The service collection, with the server registered.</param>
    /// <param name="name">The server's name.</param>
    /// <param name="reply">Computes the reply; throw <see cref="UmpException{TErr}"/> to fail the request with an application error.</param>
    /// <returns>The same service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">No such server is registered.</exception>
    /// <inheritdoc cref="ReplaceUmpHandler{TReq, TReply, TErr}(IServiceCollection, string, IUmpHandler{TReq, TReply, TErr})" path="/remarks"/>
    public static IServiceCollection ReplaceUmpHandler<TReq, TReply, TErr>(this IServiceCollection services, string name, Func<TReq, TReply> reply)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(reply);
        return Replace<TReq, TReply, TErr>(services.ConfigureUmpServer<TReq, TReply, TErr>(name), FromFunction<TReq, TReply, TErr>(reply));
    }

    private static UmpRequestRecorder<TReq, TReply, TErr> Record<TReq, TReply, TErr>(IUmpServerBuilder server)
    {
        if (Find<UmpRequestRecorder<TReq, TReply, TErr>>(server) is { } existing)
        {
            return existing;
        }

        var recorder = new UmpRequestRecorder<TReq, TReply, TErr>(server.Name);
        server.Services.AddKeyedSingleton(server.Name, recorder);
        server.AddFilter<RecordingFilter<TReq, TReply, TErr>>();
        return recorder;
    }

    private static IServiceCollection Replace<TReq, TReply, TErr>(IUmpServerBuilder server, HandlerInvoker<TReq, TReply, TErr> invoke)
    {
        var replacement = new HandlerReplacement<TReq, TReply, TErr>(invoke);
        if (Find<HandlerReplacement<TReq, TReply, TErr>>(server) is null)
        {
            server.Services.AddKeyedSingleton(server.Name, replacement);
            server.AddFilter<ReplacementFilter<TReq, TReply, TErr>>();
        }
        else
        {
            server.Services.Replace(ServiceDescriptor.KeyedSingleton(server.Name, replacement));
        }

        return server.Services;
    }

    private static T? Find<T>(IUmpServerBuilder server)
        where T : class =>
        server.Services.FirstOrDefault(d => d.IsKeyedService && d.ServiceType == typeof(T) && Equals(d.ServiceKey, server.Name))?.KeyedImplementationInstance as T;

    private static HandlerInvoker<TReq, TReply, TErr> FromFunction<TReq, TReply, TErr>(Func<TReq, TReply> reply) => (request, context, _) =>
    {
        TReply value;
        try
        {
            value = reply(request);
        }
        catch (UmpException<TErr> ex) when (ex.Kind == UmpErrorKind.App)
        {
            context.Fail(ex.Error);
            return default;
        }

        context.Reply(value);
        return default;
    };
}
