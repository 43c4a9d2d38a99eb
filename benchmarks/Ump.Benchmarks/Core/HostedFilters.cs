using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Ump.Benchmarks.Core;

/// <summary>
/// What filters cost on the hosted path: the same server without a filter (the baseline) and with one pass-through
/// filter, for a singleton and a scoped handler, telemetry off, one request at a time.
/// </summary>
[MemoryDiagnoser]
public class HostedFilters
{
    private HostedEcho _hosted = null!;

    [GlobalSetup(Target = nameof(Singleton))]
    public void SetupSingleton() => _hosted = new HostedEcho(ServiceLifetime.Singleton, telemetry: false);

    [GlobalSetup(Target = nameof(Singleton_OneFilter))]
    public void SetupSingletonFiltered() => _hosted = new HostedEcho(ServiceLifetime.Singleton, telemetry: false, filters: 1);

    [GlobalSetup(Target = nameof(Scoped))]
    public void SetupScoped() => _hosted = new HostedEcho(ServiceLifetime.Scoped, telemetry: false);

    [GlobalSetup(Target = nameof(Scoped_OneFilter))]
    public void SetupScopedFiltered() => _hosted = new HostedEcho(ServiceLifetime.Scoped, telemetry: false, filters: 1);

    [GlobalCleanup]
    public void Cleanup() => _hosted.Stop();

    /// <summary>Baseline: a singleton handler, no filter.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Shared.Ops)]
    public Task Singleton() => Run();

    /// <summary>A singleton handler and one singleton filter.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public Task Singleton_OneFilter() => Run();

    /// <summary>A scope and a handler per request, no filter.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public Task Scoped() => Run();

    /// <summary>A scope, a handler and a filter per request.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public Task Scoped_OneFilter() => Run();

    private async Task Run()
    {
        var client = _hosted.Client;
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await client.RequestAsync(i));
        }
    }
}
