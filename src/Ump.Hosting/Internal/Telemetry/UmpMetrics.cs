using System.Diagnostics.Metrics;

namespace Ump.Hosting.Internal.Telemetry;

/// <summary>
/// The <c>Ump</c> meter and its instruments, shared by every hosted server of a container (one singleton). The gauges
/// observe every registered server, each measurement tagged with its server's name.
/// </summary>
/// <remarks>
/// The meter comes from the container's <see cref="IMeterFactory"/>, which every generic host registers
/// (<c>AddMetrics</c>); without one, <see cref="Meter"/> is <see langword="null"/> and no instrument exists.
/// </remarks>
internal sealed class UmpMetrics
{
    /// <summary>Bucket bounds for the histograms, in seconds: an in-process hop is measured in microseconds, a slow handler in seconds.</summary>
    private static readonly double[] s_secondsBuckets = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Lock _lock = new();
    private UmpServerMonitor[] _servers = [];

    public UmpMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return;
        }

        Meter = meterFactory.Create(new MeterOptions(UmpTelemetry.MeterName));
        Requests = Meter.CreateCounter<long>(UmpTelemetryNames.Requests, UmpTelemetryNames.RequestsUnit, UmpTelemetryNames.RequestsDescription);
        RequestDuration = CreateSeconds(Meter, UmpTelemetryNames.RequestDuration, UmpTelemetryNames.RequestDurationDescription);
        QueueWait = CreateSeconds(Meter, UmpTelemetryNames.QueueWait, UmpTelemetryNames.QueueWaitDescription);
        HandlerDuration = CreateSeconds(Meter, UmpTelemetryNames.HandlerDuration, UmpTelemetryNames.HandlerDurationDescription);
        SlowHandlers = Meter.CreateCounter<long>(UmpTelemetryNames.SlowHandlers, UmpTelemetryNames.HandlersUnit, UmpTelemetryNames.SlowHandlersDescription);
        Meter.CreateObservableGauge(UmpTelemetryNames.QueueLength, ObserveQueueLengths, UmpTelemetryNames.RequestsUnit, UmpTelemetryNames.QueueLengthDescription);
        Meter.CreateObservableGauge(UmpTelemetryNames.ActiveHandlers, ObserveActiveHandlers, UmpTelemetryNames.HandlersUnit, UmpTelemetryNames.ActiveHandlersDescription);
    }

    public Meter? Meter { get; }

    public Counter<long>? Requests { get; }

    public Histogram<double>? RequestDuration { get; }

    public Histogram<double>? QueueWait { get; }

    public Histogram<double>? HandlerDuration { get; }

    public Counter<long>? SlowHandlers { get; }

    /// <summary>Whether a request's send time is needed: a listener records one of the histograms measured from the send.</summary>
    public bool TimesRequests => RequestDuration is { Enabled: true } || QueueWait is { Enabled: true };

    /// <summary>Adds a server to the gauges.</summary>
    public void Add(UmpServerMonitor server)
    {
        lock (_lock)
        {
            _servers = [.. _servers, server];
        }
    }

    /// <summary>Takes a server off the gauges (its channel was disposed).</summary>
    public void Remove(UmpServerMonitor server)
    {
        lock (_lock)
        {
            _servers = [.. _servers.Where(s => s != server)];
        }
    }

    private static Histogram<double> CreateSeconds(Meter meter, string name, string description) =>
        meter.CreateHistogram(
            name,
            UmpTelemetryNames.SecondsUnit,
            description,
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });

    private IEnumerable<Measurement<int>> ObserveQueueLengths()
    {
        var servers = Volatile.Read(ref _servers);
        var measurements = new Measurement<int>[servers.Length];
        for (var i = 0; i < servers.Length; i++)
        {
            measurements[i] = new Measurement<int>(servers[i].QueueLength, servers[i].ServerTag);
        }

        return measurements;
    }

    private IEnumerable<Measurement<int>> ObserveActiveHandlers()
    {
        var servers = Volatile.Read(ref _servers);
        var measurements = new Measurement<int>[servers.Length];
        for (var i = 0; i < servers.Length; i++)
        {
            measurements[i] = new Measurement<int>(servers[i].ActiveHandlers, servers[i].ServerTag);
        }

        return measurements;
    }
}
