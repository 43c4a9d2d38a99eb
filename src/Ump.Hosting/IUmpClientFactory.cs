namespace Ump.Hosting;

/// <summary>
/// Creates clients of one hosted Ump server, for singletons and workers that live outside a DI scope.
/// Registered as a singleton by <c>AddUmpServer</c> (keyed by the server's name when the server is named).
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
public interface IUmpClientFactory<TReq, TReply, TErr>
{
    /// <summary>Creates a new client of the server: a clone of the server's root client.</summary>
    /// <returns>A client owned by the caller, who disposes it when done.</returns>
    /// <exception cref="ObjectDisposedException">The host's service provider was disposed.</exception>
    Client<TReq, TReply, TErr> CreateClient();
}
