using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Ump.Samples.Tests;

/// <summary>
/// The Worker sample published with Native AOT (<c>dotnet publish -c Release -r &lt;rid&gt;</c>) and run as a native
/// executable: trimming and AOT must keep handler activation, options binding and options validation working.
/// </summary>
public sealed class NativeAotWorkerTests
{
    // Published once for the class: the native build takes most of a minute.
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    [Fact]
    public async Task NativeWorker_1000Requests_Exit0_NoErrors()
    {
        var directory = await Published.Value;
        await using var worker = SampleProcess.StartExecutable(Path.Combine(directory, Executable), ["--requests", "1000"], directory);

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:{Environment.NewLine}{worker.Output}");
        var summary = Assert.Single(worker.Output.Split('\n'), l => l.StartsWith("requests=", StringComparison.Ordinal));
        Assert.Matches(new Regex(@"^requests=1000 errors=0 elapsed=\d+\.\d\ds$"), summary.TrimEnd('\r'));
    }

    [Fact]
    public async Task NativeWorker_MaxConcurrencyZero_OneClearLine_Exit2()
    {
        var directory = await Published.Value;
        await using var worker = SampleProcess.StartExecutable(
            Path.Combine(directory, Executable), ["--requests", "10"], directory, new Dictionary<string, string> { ["Ump__Hashing__MaxConcurrency"] = "0" });

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        var line = Assert.Single(worker.Output.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Equal("error: Ump server 'hashing': MaxConcurrency must be between 1 and 2147483647 (was 0).", line.TrimEnd('\r'));
        Assert.DoesNotContain("   at ", worker.Output, StringComparison.Ordinal);
    }

    private static string Executable => OperatingSystem.IsWindows() ? "Ump.Samples.Worker.exe" : "Ump.Samples.Worker";

    private static async Task<string> PublishAsync()
    {
        var output = Path.Combine(Path.GetTempPath(), "ump-aot-worker-" + Guid.NewGuid().ToString("N"));
        var project = Path.Combine(SampleProcess.Metadata("RepositoryRoot"), "samples", "Ump.Samples.Worker", "Ump.Samples.Worker.csproj");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // No build server or node reuse: a process left behind would hold the redirected output open.
        foreach (var argument in new[]
        {
            "publish", project, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "-o", output,
            "-nodeReuse:false", "-p:UseSharedCompilation=false",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var publish = Process.Start(start)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await publish.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            publish.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish of the Worker with Native AOT did not finish within 10 minutes.");
        }

        var log = await stdout + await stderr;
        Assert.True(publish.ExitCode == 0, $"dotnet publish exit code {publish.ExitCode} (Native AOT needs clang and zlib1g-dev):{Environment.NewLine}{log}");
        Assert.DoesNotContain("warning", log, StringComparison.OrdinalIgnoreCase);
        return output;
    }
}
