namespace Ump.Orleans.Internal.Wire;

/// <summary>One request on the wire: the serialized user request and the caller's trace context.</summary>
[GenerateSerializer]
[Immutable]
[Alias("Ump.Orleans.Request")]
internal sealed class UmpWireRequest
{
    /// <summary>Gets the request, serialized by the server's payload codec.</summary>
    [Id(0)]
    public required byte[] Payload { get; init; }

    /// <summary>Gets the caller's W3C <c>traceparent</c>, or null when it had no activity.</summary>
    [Id(1)]
    public string? TraceParent { get; init; }

    /// <summary>Gets the caller's W3C <c>tracestate</c>.</summary>
    [Id(2)]
    public string? TraceState { get; init; }
}
