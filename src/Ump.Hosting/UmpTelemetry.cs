namespace Ump.Hosting;

/// <summary>
/// The names under which hosted Ump servers publish telemetry, for <c>AddMeter</c> and <c>AddSource</c> in
/// OpenTelemetry, or <c>dotnet-counters monitor --counters Ump</c>.
/// </summary>
public static class UmpTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> every hosted server records its instruments with.</summary>
    public const string MeterName = "Ump";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> that starts each handler's <c>ump.handle</c> activity.</summary>
    public const string ActivitySourceName = "Ump";
}
