namespace Ump.Hosting.Internal.Telemetry;

/// <summary>Where a hosted server's dispatch loop is in its life, as its health check reports it.</summary>
internal enum UmpServerState
{
    /// <summary>The host has not started the server (or its start failed).</summary>
    NotStarted,

    /// <summary>The loop takes and handles requests.</summary>
    Running,

    /// <summary>The host is stopping: no new requests; queued and running ones drain.</summary>
    Stopping,

    /// <summary>The loop ended: the drain completed, or every client was disposed.</summary>
    Stopped,

    /// <summary>The loop failed.</summary>
    Faulted,
}
