namespace Ump.Orleans;

/// <summary>The names of what Ump.Orleans emits; the remote servers emit Ump.Hosting's (<c>Ump</c>) as well.</summary>
public static class UmpOrleansTelemetry
{
    /// <summary>The activity source: <c>ump.orleans.call</c> (kind Client) around each caller's grain call, and <c>ump.orleans.receive</c> (kind Server) on the silo, the parent of the remote <c>ump.handle</c>.</summary>
    public const string ActivitySourceName = "Ump.Orleans";

    /// <summary>The meter: <c>ump.client.request.duration</c> (seconds, tagged by server and outcome), measured by the callers.</summary>
    public const string MeterName = "Ump.Orleans";
}
