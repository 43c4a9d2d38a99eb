using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ump.Samples.Worker;

/// <summary>Checks the Ump servers' health every few seconds and logs each change of status.</summary>
internal sealed partial class HealthLogger(HealthCheckService health, ILogger<HealthLogger> logger) : BackgroundService
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HealthStatus? last = null;
        using var timer = new PeriodicTimer(s_interval);
        do
        {
            var report = await health.CheckHealthAsync(stoppingToken);
            if (report.Status != last)
            {
                last = report.Status;
                LogHealth(logger, report.Status, string.Join(", ", report.Entries.Select(e => $"{e.Key}={e.Value.Status}")));
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Health: {Status} ({Checks})")]
    private static partial void LogHealth(ILogger logger, HealthStatus status, string checks);
}
