using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Ump.Benchmarks.Core;

namespace Ump.Benchmarks.Probes;

/// <summary>
/// A targeted breakdown (<c>-- --telemetry-cost</c>) of what the hosted path with a scoped handler and telemetry must
/// spend per request besides the core round trip, each piece alone on one thread: the <c>ump.handle</c> activity (sampled,
/// with and without its tags), one measurement, one timestamp, and a DI scope with a handler from it. These are the
/// pieces of the <c>Floor_ScopeAndTelemetry</c> row in <c>HostedPath</c>.
/// </summary>
public static class TelemetryCostProbe
{
    private const int Measured = 500_000;

    public static int Run()
    {
        using var source = new ActivitySource("Ump.Benchmarks.Probe");
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activities);
        using var meter = new Meter("Ump.Benchmarks.Probe");
        var histogram = meter.CreateHistogram<double>("probe.duration");
        using var meters = new MeterListener { InstrumentPublished = (i, l) => l.EnableMeasurementEvents(i) };
        meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        meters.Start();
        using var services = new ServiceCollection().BuildServiceProvider();
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var factory = ActivatorUtilities.CreateFactory<HostedEchoHandler>(Type.EmptyTypes);

        KeyValuePair<string, object?>[] tags = [new("ump.server.name", "(unnamed)"), new("ump.request.type", "System.Int32")];
        var server = tags[0];
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

        for (var round = 0; round < 3; round++)
        {
            Console.WriteLine($"Round {round + 1}: per operation, one thread");
            Measure("activity: start + outcome tag + stop, 2 tags", () =>
            {
                var activity = source.StartActivity("ump.handle", ActivityKind.Consumer, parent, tags)!;
                activity.SetTag("ump.outcome", "reply");
                activity.Stop();
            });
            Measure("activity: start + stop, no tags", () => source.StartActivity("ump.handle", ActivityKind.Consumer, parent)!.Stop());
            Measure("histogram record, 1 tag, listened", () => histogram.Record(1.0, server));
            Measure("TimeProvider.System.GetTimestamp", () => TimeProvider.System.GetTimestamp());
            Measure("DI scope + handler + DisposeAsync", () =>
            {
                var scope = scopes.CreateAsyncScope();
                _ = factory(scope.ServiceProvider, null);
                scope.DisposeAsync().GetAwaiter().GetResult();
            });
        }

        return 0;
    }

    private static void Measure(string what, Action operation)
    {
        for (var i = 0; i < 20_000; i++)
        {
            operation();
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Measured; i++)
        {
            operation();
        }

        var ns = sw.Elapsed.TotalNanoseconds / Measured;
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        Console.WriteLine($"  {what,-50} {ns,7:0.0} ns {bytes / (double)Measured,7:0.0} B");
    }
}
