using Ump.Internal;

namespace Ump;

/// <summary>
/// A weak reference to an Ump channel's clients: it does not count towards keeping the server's clients alive, and
/// <see cref="Upgrade"/> gives a strong <see cref="Client{TReq, TReply, TErr}"/> while at least one strong client lives.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>Safe to use from many threads at once. Holds no resources: it needs no disposal.</remarks>
public sealed class WeakClient<TReq, TReply, TErr>
{
    private readonly ChannelCore<TReq, TReply, TErr> _core;

    internal WeakClient(ChannelCore<TReq, TReply, TErr> core) => _core = core;

    /// <summary>Creates a strong client of the same server, if a strong client still lives.</summary>
    /// <returns>
    /// A new client, owned by the caller (dispose it); <see langword="null"/> once every strong client has been
    /// disposed, which is final. A client returned while the server is gone fails its requests with
    /// <see cref="UmpErrorKind.ServerDisappeared"/>.
    /// </returns>
    public Client<TReq, TReply, TErr>? Upgrade() =>
        _core.TryAddClient() ? new Client<TReq, TReply, TErr>(_core) : null;
}
