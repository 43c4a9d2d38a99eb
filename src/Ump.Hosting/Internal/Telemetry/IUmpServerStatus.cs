namespace Ump.Hosting.Internal.Telemetry;

/// <summary>What a server's health check reports: a dispatcher's, or the sum of the dispatchers a factory made.</summary>
internal interface IUmpServerStatus
{
    string DisplayName { get; }

    /// <summary>Gets the loop's state, as the health check names it.</summary>
    string State { get; }

    /// <summary>Gets whether requests are being served (or would be, on demand).</summary>
    bool IsServing { get; }

    int QueueLength { get; }

    int ActiveHandlers { get; }

    int? Capacity { get; }
}
