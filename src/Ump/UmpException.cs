namespace Ump;

/// <summary>A request, or a server wait, ended without a reply; <see cref="Kind"/> says why.</summary>
/// <remarks>
/// Application errors (<see cref="UmpErrorKind.App"/>) are thrown as <see cref="UmpException{TErr}"/>, which carries the
/// server's error value. Cancellation and timeouts are not Ump errors: they surface as
/// <see cref="OperationCanceledException"/> and <see cref="TimeoutException"/>.
/// </remarks>
public class UmpException : Exception
{
    /// <summary>Initializes a new instance with <see cref="UmpErrorKind.NoReply"/> and a default message.</summary>
    public UmpException()
        : this(UmpErrorKind.NoReply, "The request ended without a reply.")
    {
    }

    /// <summary>Initializes a new instance with <see cref="UmpErrorKind.NoReply"/>.</summary>
    /// <param name="message">The message that describes the error.</param>
    public UmpException(string message)
        : this(UmpErrorKind.NoReply, message)
    {
    }

    /// <summary>Initializes a new instance with <see cref="UmpErrorKind.NoReply"/>.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public UmpException(string message, Exception? innerException)
        : this(UmpErrorKind.NoReply, message, innerException)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="kind">Why the request ended without a reply.</param>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public UmpException(UmpErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Gets why the request ended without a reply.</summary>
    public UmpErrorKind Kind { get; }
}
