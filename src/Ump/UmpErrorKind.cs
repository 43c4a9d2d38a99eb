namespace Ump;

/// <summary>Why a request ended without a reply. Carried by <see cref="UmpException.Kind"/>.</summary>
public enum UmpErrorKind
{
    /// <summary>The server was disposed (or collected) before it took the request, or before the request could be sent.</summary>
    ServerDisappeared,

    /// <summary>Every strong client is disposed and the queue is empty: the server has nothing more to receive.</summary>
    ClientsDisappeared,

    /// <summary>The server took the request but its reply context was disposed, abandoned or garbage-collected without a reply.</summary>
    NoReply,

    /// <summary>The server failed the request with an application error; see <see cref="UmpException{TErr}.Error"/>.</summary>
    App,
}
