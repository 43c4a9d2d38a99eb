namespace Ump.Orleans;

/// <summary>
/// Why a remote handler gave no answer: the inner exception of a <see cref="UmpErrorKind.NoReply"/> that crossed Orleans.
/// Exceptions do not cross the wire; their type name and message do.
/// </summary>
public sealed class UmpRemoteException : Exception
{
    /// <summary>Initializes an exception.</summary>
    public UmpRemoteException()
    {
    }

    /// <summary>Initializes an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public UmpRemoteException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes an exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public UmpRemoteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes an exception that stands for a remote one.</summary>
    /// <param name="remoteType">The full type name of the remote exception.</param>
    /// <param name="message">The remote exception's message.</param>
    public UmpRemoteException(string? remoteType, string? message)
        : base(message ?? "The remote handler gave no answer.")
    {
        RemoteType = remoteType;
    }

    /// <summary>Gets the full type name of the remote exception, such as <c>System.InvalidOperationException</c>; null when the remote handler returned without answering.</summary>
    public string? RemoteType { get; }

    /// <inheritdoc/>
    public override string ToString() => RemoteType is null ? base.ToString() : $"{RemoteType} (remote): {base.ToString()}";
}
