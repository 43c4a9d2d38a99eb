using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Ump.Benchmarks.Core.Baselines;
using Ump.Benchmarks.Peers;

namespace Ump.Benchmarks.Core;

/// <summary>
/// The hosted path (<c>AddUmpServer</c>, the dispatch loop, an injected client) beside the raw core round trip it stands
/// on, with scoped and singleton handlers, telemetry on and off, and <see cref="MaxConcurrency"/> 1 and 4; and
/// Wolverine's <c>InvokeAsync</c> for comparison. One caller awaits each reply before the next request, so
/// <see cref="MaxConcurrency"/> 4 measures what the concurrent dispatch path costs per request, not a speed-up.
/// Baseline: the raw core, <c>RequestAsync</c> to a <c>WaitAsync</c> loop.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
public class HostedPath
{
    private Client<int, int, NoError> _client = null!;
    private UmpEchoServer _ump = null!;
    private HostedEcho? _hosted;
    private WolverineEcho? _wolverine;
    private HostedFloorServer? _floor;

    /// <summary>
    /// The hosted server's <c>MaxConcurrency</c>. Only the <c>Hosted_*</c> rows use it; the baseline, the floor and
    /// Wolverine run once per value so that every group has its own baseline.
    /// </summary>
    [Params(1, 4)]
    public int MaxConcurrency { get; set; }

    [GlobalSetup(Target = nameof(Core_RequestAsync))]
    public void SetupCore()
    {
        _ump = new UmpEchoServer();
        _client = _ump.Client;
    }

    [GlobalCleanup(Target = nameof(Core_RequestAsync))]
    public void CleanupCore() => _ump.Dispose();

    [GlobalSetup(Target = nameof(Hosted_Singleton))]
    public void SetupSingleton() => _hosted = new HostedEcho(ServiceLifetime.Singleton, telemetry: false, MaxConcurrency);

    [GlobalSetup(Target = nameof(Hosted_Singleton_Telemetry))]
    public void SetupSingletonTelemetry() => _hosted = new HostedEcho(ServiceLifetime.Singleton, telemetry: true, MaxConcurrency);

    [GlobalSetup(Target = nameof(Hosted_Scoped))]
    public void SetupScoped() => _hosted = new HostedEcho(ServiceLifetime.Scoped, telemetry: false, MaxConcurrency);

    [GlobalSetup(Target = nameof(Hosted_Scoped_Telemetry))]
    public void SetupScopedTelemetry() => _hosted = new HostedEcho(ServiceLifetime.Scoped, telemetry: true, MaxConcurrency);

    [GlobalCleanup(Targets = [nameof(Hosted_Singleton), nameof(Hosted_Singleton_Telemetry), nameof(Hosted_Scoped), nameof(Hosted_Scoped_Telemetry)])]
    public void CleanupHosted() => _hosted?.Stop();

    [GlobalSetup(Target = nameof(Floor_ScopeAndTelemetry))]
    public void SetupFloor() => _floor = new HostedFloorServer();

    [GlobalCleanup(Target = nameof(Floor_ScopeAndTelemetry))]
    public void CleanupFloor() => _floor?.Dispose();

    [GlobalSetup(Target = nameof(Wolverine_InvokeAsync))]
    public void SetupWolverine() => _wolverine = new WolverineEcho();

    [GlobalCleanup(Target = nameof(Wolverine_InvokeAsync))]
    public void CleanupWolverine() => _wolverine?.Stop();

    /// <summary>Baseline: the raw core round trip.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Shared.Ops)]
    public async Task Core_RequestAsync()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _client.RequestAsync(i));
        }
    }

    /// <summary>Hosted, one singleton handler (the ump-server style), nobody listening to telemetry.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public Task Hosted_Singleton() => Hosted();

    /// <summary>Hosted, one singleton handler, metrics and traces listened to.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public Task Hosted_Singleton_Telemetry() => Hosted();

    /// <summary>Hosted, a DI scope and a handler per request, nobody listening to telemetry.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public Task Hosted_Scoped() => Hosted();

    /// <summary>Hosted, a DI scope and a handler per request, metrics and traces listened to.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public Task Hosted_Scoped_Telemetry() => Hosted();

    /// <summary>
    /// The floor under <see cref="Hosted_Scoped_Telemetry"/>: the raw core plus, by hand, a DI scope, one sampled
    /// activity and four measurements per request, and nothing else.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Floor_ScopeAndTelemetry()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _floor!.RequestAsync(i));
        }
    }

    /// <summary>Wolverine <c>InvokeAsync</c>, which runs its handler inline on the caller's thread.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Wolverine_InvokeAsync()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _wolverine!.RequestAsync(i));
        }
    }

    private async Task Hosted()
    {
        var client = _hosted!.Client;
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await client.RequestAsync(i));
        }
    }
}
