namespace Ump;

/// <summary>The server failed the request with an application error, through <see cref="ReplyContext{TReply, TErr}.Fail(TErr)"/>.</summary>
/// <typeparam name="TErr">The channel's application error type.</typeparam>
public sealed class UmpException<TErr> : UmpException
{
    /// <summary>Initializes a new instance carrying <paramref name="error"/>; <see cref="UmpException.Kind"/> is <see cref="UmpErrorKind.App"/>.</summary>
    /// <param name="error">The application error the server reported.</param>
    public UmpException(TErr error)
        : base(UmpErrorKind.App, $"The server failed the request with an application error: {error}. Catch UmpException<{typeof(TErr).Name}> and read Error to handle it.")
    {
        Error = error;
    }

    /// <summary>Gets the application error the server reported.</summary>
    public TErr Error { get; }
}
