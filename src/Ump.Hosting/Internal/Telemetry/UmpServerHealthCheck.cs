using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ump.Hosting.Internal.Telemetry;

/// <summary>
/// The health of one hosted server: Unhealthy (or the registration's failure status) when its dispatch loop is not
/// running; Degraded when its queue is longer than the threshold; Healthy otherwise.
/// </summary>
/// <param name="monitor">The server's status.</param>
/// <param name="degradedQueueLength">
/// Degraded when more requests than this wait; <see langword="null"/>: Degraded when a bounded queue is full, never for an unbounded one.
/// </param>
internal sealed class UmpServerHealthCheck(IUmpServerStatus monitor, int? degradedQueueLength) : IHealthCheck
{
    public const string ServerNameKey = "ServerName";
    public const string StateKey = "State";
    public const string QueueLengthKey = "QueueLength";
    public const string ActiveHandlersKey = "ActiveHandlers";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = monitor.State;
        var queueLength = monitor.QueueLength;
        var activeHandlers = monitor.ActiveHandlers;
        var data = new Dictionary<string, object>
        {
            [ServerNameKey] = monitor.DisplayName,
            [StateKey] = state,
            [QueueLengthKey] = queueLength,
            [ActiveHandlersKey] = activeHandlers,
        };

        HealthCheckResult result;
        if (!monitor.IsServing)
        {
            result = new HealthCheckResult(
                context.Registration?.FailureStatus ?? HealthStatus.Unhealthy,
                $"Ump server '{monitor.DisplayName}' is not running ({state}).",
                data: data);
        }
        else if (degradedQueueLength is { } threshold ? queueLength > threshold : monitor.Capacity is { } capacity && queueLength >= capacity)
        {
            result = HealthCheckResult.Degraded(
                $"Ump server '{monitor.DisplayName}' has {queueLength} queued requests (threshold {degradedQueueLength ?? monitor.Capacity}).",
                data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy($"Ump server '{monitor.DisplayName}' is running.", data);
        }

        return Task.FromResult(result);
    }
}
