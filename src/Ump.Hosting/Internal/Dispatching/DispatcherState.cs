namespace Ump.Hosting.Internal.Dispatching;

/// <summary>Where a dispatcher is in its life. It only moves forward: NotStarted → Running → Draining → Aborted → Stopped, or to Faulted.</summary>
internal enum DispatcherState
{
    /// <summary>Created; requests queue up until it starts.</summary>
    NotStarted,

    /// <summary>The loop takes and handles requests.</summary>
    Running,

    /// <summary>Stopping: the server is completed (new requests fail at once); queued and running requests finish.</summary>
    Draining,

    /// <summary>
    /// The drain deadline passed (or the stop was cut short): waiting callers got ServerDisappeared and the handlers'
    /// token fired; handlers that ignore their token may still run.
    /// </summary>
    Aborted,

    /// <summary>Every request has an outcome and no handler runs.</summary>
    Stopped,

    /// <summary>The start or the loop failed.</summary>
    Faulted,
}

/// <summary>How the health check names a state.</summary>
internal static class DispatcherStateNames
{
    public static string HealthName(this DispatcherState state) => state switch
    {
        DispatcherState.NotStarted => "NotStarted",
        DispatcherState.Running => "Running",
        DispatcherState.Draining => "Stopping",
        DispatcherState.Faulted => "Faulted",
        _ => "Stopped",
    };
}
