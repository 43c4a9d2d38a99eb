using System.Diagnostics;
using System.Reflection;

namespace Ump.Samples.Tests;

/// <summary>
/// A sample run for real: <c>dotnet &lt;sample&gt;.dll</c> from the sample's own build output (its working directory, so it
/// finds its appsettings.json), with stdout and stderr captured line by line. Disposing it kills the process if it is
/// still running.
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private TaskCompletionSource _changed = Bounded.NewSignal();

    private SampleProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    public static SampleProcess Start(string sample, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = SampleDll(sample);
        return StartExecutable(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [dll, .. arguments], Path.GetDirectoryName(dll)!, environment);
    }

    /// <summary>Runs <paramref name="executable"/> (a native build of a sample) from <paramref name="workingDirectory"/>.</summary>
    public static SampleProcess StartExecutable(string executable, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var sampleProcess = new SampleProcess(process);
        process.OutputDataReceived += (_, e) => sampleProcess.Add(e.Data);
        process.ErrorDataReceived += (_, e) => sampleProcess.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sampleProcess;
    }

    /// <summary>The first output line (past or future) that matches, within <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var scanned = 0;
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                for (; scanned < _lines.Count; scanned++)
                {
                    if (match(_lines[scanned]))
                    {
                        return _lines[scanned];
                    }
                }

                changed = _changed.Task;
            }

            var remaining = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (remaining <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(remaining)) != changed)
            {
                throw new TimeoutException($"No output line {what} within {timeout}. Output so far:{Environment.NewLine}{Output}");
            }
        }
    }

    /// <summary>Sends SIGTERM, what <c>docker stop</c>, systemd or Kubernetes send to stop a process.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        if (!kill.WaitForExit(TimeSpan.FromSeconds(10)) || kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {Id} failed.");
        }
    }

    /// <summary>Sends SIGKILL: the process dies at once, as when its machine fails.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The process did not exit within {timeout}. Output so far:{Environment.NewLine}{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or not reaped in time: nothing more to do here.
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>The test assembly's build metadata (RepositoryRoot, Configuration, TargetFramework).</summary>
    public static string Metadata(string key) =>
        typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string SampleDll(string sample)
    {
        var dll = Path.Combine(Metadata("RepositoryRoot"), "samples", sample, "bin", Metadata("Configuration"), Metadata("TargetFramework"), sample + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The sample is not built at {dll}: build the solution (dotnet test builds it).", dll);
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource changed;
        lock (_lock)
        {
            _lines.Add(line);
            changed = _changed;
            _changed = Bounded.NewSignal();
        }

        changed.TrySetResult();
    }
}
