namespace Ump.Orleans.Internal.Wire;

/// <summary>One outcome on the wire.</summary>
[GenerateSerializer]
[Immutable]
[Alias("Ump.Orleans.Reply")]
internal sealed class UmpWireReply
{
    /// <summary>Gets how the request ended.</summary>
    [Id(0)]
    public UmpWireOutcome Outcome { get; init; }

    /// <summary>Gets the serialized reply (<see cref="UmpWireOutcome.Replied"/>) or application error (<see cref="UmpWireOutcome.Failed"/>).</summary>
    [Id(1)]
    public byte[]? Payload { get; init; }

    /// <summary>Gets the full type name of the remote reason, when there was one.</summary>
    [Id(2)]
    public string? ReasonType { get; init; }

    /// <summary>Gets the message of the remote reason, or of the remote outcome.</summary>
    [Id(3)]
    public string? ReasonMessage { get; init; }

    public static UmpWireReply Of(UmpWireOutcome outcome, Exception? reason) =>
        new() { Outcome = outcome, ReasonType = reason?.GetType().FullName, ReasonMessage = reason?.Message };
}
