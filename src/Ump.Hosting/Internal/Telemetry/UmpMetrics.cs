using System.Diagnostics.Metrics;

namespace Ump.Hosting.Internal.Telemetry;

/// <summary>
/// The <c>Ump</c> meter and its instruments, shared by every server of a container (one singleton). The observable
/// up-down counters observe every registered server, one measurement per server name: the dispatchers of one server
/// (several grain activations, say) add up, as measurements from several processes do.
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
    private UmpServerDiagnostics[] _servers = [];

    public UmpMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return;
        }

        Meter = meterFactory.Create(new MeterOptions(UmpTelemetry.MeterName));
        Requests = Meter.CreateCounter<long>(UmpTelemetryNames.Requests, UmpTelemetryNames.RequestsUnit, UmpTelemetryNames.RequestsDescription);
        RequestDuration = CreateSeconds(Meter, UmpTelemetryNames.RequestDuration, UmpTelemetryNames.RequestDurationDescription);
        QueueWaitTime = CreateSeconds(Meter, UmpTelemetryNames.QueueWaitTime, UmpTelemetryNames.QueueWaitTimeDescription);
        HandlerDuration = CreateSeconds(Meter, UmpTelemetryNames.HandlerDuration, UmpTelemetryNames.HandlerDurationDescription);
        SlowHandlers = Meter.CreateCounter<long>(UmpTelemetryNames.SlowHandlers, UmpTelemetryNames.HandlersUnit, UmpTelemetryNames.SlowHandlersDescription);
        Meter.CreateObservableUpDownCounter(UmpTelemetryNames.QueueLength, () => Observe(static s => s.QueueLength), UmpTelemetryNames.RequestsUnit, UmpTelemetryNames.QueueLengthDescription);
        Meter.CreateObservableUpDownCounter(UmpTelemetryNames.ActiveHandlers, () => Observe(static s => s.ActiveHandlers), UmpTelemetryNames.HandlersUnit, UmpTelemetryNames.ActiveHandlersDescription);
    }

    public Meter? Meter { get; }

    public Counter<long>? Requests { get; }

    public Histogram<double>? RequestDuration { get; }

    public Histogram<double>? QueueWaitTime { get; }

    public Histogram<double>? HandlerDuration { get; }

    public Counter<long>? SlowHandlers { get; }

    /// <summary>Whether a request's send time is needed: a listener records one of the histograms measured from the send.</summary>
    public bool TimesRequests => RequestDuration is { Enabled: true } || QueueWaitTime is { Enabled: true };

    /// <summary>Adds a server's dispatcher to the observable counters.</summary>
    public void Add(UmpServerDiagnostics server)
    {
        lock (_lock)
        {
            _servers = [.. _servers, server];
        }
    }

    /// <summary>Takes a dispatcher off the observable counters (it was disposed).</summary>
    public void Remove(UmpServerDiagnostics server)
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

    private Measurement<int>[] Observe(Func<UmpServerDiagnostics, int> value)
    {
        var servers = Volatile.Read(ref _servers);
        // Stryker disable once Block : equivalent; the loop below gives the same one measurement for one server (this only spares the dictionary).
        if (servers.Length == 1)
        {
            return [new Measurement<int>(value(servers[0]), servers[0].ServerTag)];
        }

        // One measurement per server name: a tag set reported twice in one callback would not add up.
        var totals = new Dictionary<string, (int Value, KeyValuePair<string, object?> Tag)>(StringComparer.Ordinal);
        foreach (var server in servers)
        {
            ref var total = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(totals, server.DisplayName, out _);
            total = (total.Value + value(server), server.ServerTag);
        }

        return [.. totals.Values.Select(static t => new Measurement<int>(t.Value, t.Tag))];
    }
}
