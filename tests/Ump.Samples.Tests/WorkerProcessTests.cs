using System.Text.RegularExpressions;

namespace Ump.Samples.Tests;

/// <summary>The Worker sample, run as a user runs it: <c>dotnet Ump.Samples.Worker.dll --requests 1000</c>.</summary>
public sealed class WorkerProcessTests
{
    [Fact]
    public async Task Requests_option_makes_the_worker_stop_by_itself_with_a_summary_and_exit_code_0()
    {
        await using var worker = SampleProcess.Start("Ump.Samples.Worker", ["--requests", "1000"]);

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var output = worker.Output;
        Assert.True(exitCode == 0, $"exit code {exitCode}; output:{Environment.NewLine}{output}");
        var summaries = output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("requests=", StringComparison.Ordinal)).ToList();
        var summary = Assert.Single(summaries);
        Assert.Matches(new Regex(@"^requests=1000 errors=0 elapsed=\d+\.\d\ds$"), summary);
        Assert.Matches(@"Ump server 'kv' stopped: during the drain \d+ requests were answered, 0 were given up by their callers \(canceled or timed out\) and 0 got no answer", output);
        Assert.Matches(@"Ump server 'hashing' stopped: during the drain \d+ requests were answered, 0 were given up by their callers \(canceled or timed out\) and 0 got no answer", output);
    }

    [Theory]
    [InlineData("--requests", "0", null, "error: Requests: ", "must be between 1 and 2147483647.")]
    [InlineData("--requests", "10", "Ump__Hashing__MaxConcurrency=0", "error: Ump server 'hashing': ", "MaxConcurrency must be between 1 and 2147483647 (was 0).")]
    public async Task BadOption_OneClearLine_Exit2_NoStackTrace(string option, string value, string? environment, string expectedStart, string expectedEnd)
    {
        var variables = environment is null ? null : new Dictionary<string, string> { [environment.Split('=')[0]] = environment.Split('=')[1] };
        await using var worker = SampleProcess.Start("Ump.Samples.Worker", [option, value], variables);

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        var line = worker.Output.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
        Assert.EndsWith(expectedEnd, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MisspelledOption_OneLineNamingServerAndKey_Exit2()
    {
        await using var worker = SampleProcess.Start("Ump.Samples.Worker", ["--requests", "10"], new Dictionary<string, string> { ["Ump__Hashing__MaxConcurency"] = "4" });

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        var line = worker.Output.Trim();
        Assert.StartsWith("error: Ump server 'hashing': the configuration section 'Ump:Hashing' does not bind", line, StringComparison.Ordinal);
        Assert.Contains("'MaxConcurency'", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }
}
