namespace Ump.Hosting;

/// <summary>
/// Creates dispatchers of one registered Ump server: its handler, options, filters and telemetry, each with a channel of
/// its own. Registered as a keyed singleton by <c>AddUmpServer</c> and <c>AddUmpDispatcher</c>, the key being the server's
/// name (the empty string for the unnamed server).
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>For code that runs a server's loop under a lifecycle of its own, such as one dispatcher per grain activation.</remarks>
public interface IUmpDispatcherFactory<TReq, TReply, TErr>
{
    /// <summary>Creates a dispatcher, not yet started; the caller owns it (start, stop and dispose it).</summary>
    /// <returns>A new dispatcher with the server's current options.</returns>
    UmpDispatcher<TReq, TReply, TErr> CreateDispatcher();
}
