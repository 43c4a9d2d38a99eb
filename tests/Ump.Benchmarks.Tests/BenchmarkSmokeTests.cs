using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using System.Reflection;
using Ump.Benchmarks;

namespace Ump.Benchmarks.Tests;

/// <summary>
/// Runs every benchmark of every class once, in process, with BenchmarkDotNet's Dry job: setup, each method,
/// cleanup, plus BenchmarkDotNet's own validation. Not a measurement: it only keeps the suite from rotting.
/// </summary>
public sealed class BenchmarkSmokeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_perClassLimit = TimeSpan.FromSeconds(45);

    public static TheoryData<string> BenchmarkClasses()
    {
        var data = new TheoryData<string>();
        foreach (var type in BenchmarkTypes())
        {
            data.Add(type.Name);
        }

        return data;
    }

    [Fact]
    public void Every_expected_benchmark_class_is_covered()
    {
        // The namespace is the folder: core benchmarks under Core/, peer frameworks under Peers/ (probes are not benchmarks).
        var names = BenchmarkTypes().Select(t => t.FullName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                "Ump.Benchmarks.Core.HostedFilters",
                "Ump.Benchmarks.Core.HostedPath",
                "Ump.Benchmarks.Core.RoundTripAsync",
                "Ump.Benchmarks.Core.RoundTripSync",
                "Ump.Benchmarks.Core.Throughput",
                "Ump.Benchmarks.Peers.Alternatives",
            ],
            names);
    }

    [Theory]
    [MemberData(nameof(BenchmarkClasses))]
    public async Task Runs_every_benchmark_once(string className)
    {
        var type = BenchmarkTypes().Single(t => t.Name == className);
        var logger = new AccumulationLogger();
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance))
            .AddLogger(logger)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "ump-benchmarks-smoke", Guid.NewGuid().ToString("N")))
            // Tests build in Debug; this is a smoke run, not a measurement.
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile);

        var run = Task.Run(() => BenchmarkRunner.Run(type, config));
        var finished = await Task.WhenAny(run, Task.Delay(s_perClassLimit)) == run;
        output.WriteLine(logger.GetLog());
        Assert.True(finished, $"{className}: the dry run did not finish within {s_perClassLimit}.");

        var summary = await run;
        Assert.False(summary.HasCriticalValidationErrors, string.Join(Environment.NewLine, summary.ValidationErrors.Select(e => e.Message)));

        var expected = ExpectedCaseCount(type);
        Assert.Equal(expected, summary.BenchmarksCases.Length);
        Assert.Equal(expected, summary.Reports.Length);
        foreach (var report in summary.Reports)
        {
            Assert.True(report.Success, $"{report.BenchmarkCase.DisplayInfo} failed.");
            Assert.NotEmpty(report.GetResultRuns());
        }

        // Exactly one baseline per parameter set, so the Ratio column appears.
        Assert.Single(type.GetMethods(), m => m.GetCustomAttribute<BenchmarkAttribute>() is { Baseline: true });
    }

    private static int ExpectedCaseCount(Type type)
    {
        var methods = type.GetMethods().Count(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null);
        var parameterSets = type.GetProperties()
            .Select(p => p.GetCustomAttribute<ParamsAttribute>()?.Values.Length ?? 1)
            .Aggregate(1, (a, b) => a * b);
        return methods * parameterSets;
    }

    private static IEnumerable<Type> BenchmarkTypes() =>
        typeof(Program).Assembly.GetTypes().Where(t =>
            t is { IsClass: true, IsAbstract: false } && t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null));
}
