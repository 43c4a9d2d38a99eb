using BenchmarkDotNet.Running;
using Ump.Benchmarks.Probes;

namespace Ump.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project benchmarks/Ump.Benchmarks -- --filter '*'</c> runs the
/// BenchmarkDotNet classes (<c>Core/</c>, <c>Peers/</c>); the probes (<c>Probes/</c>) are not BenchmarkDotNet and run
/// on their own switch.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--cost", ..])
        {
            // Targeted time breakdown: one round trip's instruction cost with both ends on one thread.
            return CostProbe.Run();
        }

        if (args is ["--telemetry-cost", ..])
        {
            // What the hosted path's telemetry and DI scope cost per request, piece by piece, on one thread.
            return TelemetryCostProbe.Run();
        }

        if (args is ["--profile", ..])
        {
            // One workload in a loop for a sampling profiler (benchmarks/profile.sh).
            return ProfileProbe.Run(args);
        }

        _ = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
