using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Ump.Samples.Tests;

/// <summary>The Orleans sample as a user runs it: two silo processes and a client process on loopback, one silo killed.</summary>
public sealed class OrleansProcessTests
{
    [PosixFact]
    public async Task SiloKilledWhileTheClientRuns_NoErrors_AndTheSurvivorStopsCleanly()
    {
        int silo0 = FreePort(), gateway0 = FreePort(), silo1 = FreePort(), gateway1 = FreePort();
        await using var primary = SampleProcess.Start("Ump.Samples.Orleans.Silo", Args("--instance", 0, "--silo-port", silo0, "--gateway-port", gateway0, "--primary-port", silo0));
        await primary.WaitForLineAsync(l => l.StartsWith("silo 0 ready", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "silo 0 ready");
        await using var secondary = SampleProcess.Start("Ump.Samples.Orleans.Silo", Args("--instance", 1, "--silo-port", silo1, "--gateway-port", gateway1, "--primary-port", silo0));
        await secondary.WaitForLineAsync(l => l.StartsWith("silo 1 ready", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "silo 1 ready");

        await using var client = SampleProcess.Start("Ump.Samples.Orleans.Client", ["--requests", "20000", "--gateways", $"{gateway0},{gateway1}"]);
        await client.WaitForLineAsync(l => l.StartsWith("connected", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the client connected");
        secondary.Kill();

        var exitCode = await client.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 0, $"exit code {exitCode}; output:{Environment.NewLine}{client.Output}");
        var summary = Assert.Single(client.Output.Split('\n'), l => l.StartsWith("requests=", StringComparison.Ordinal));
        var match = Regex.Match(summary, @"^requests=20000 replies=(\d+) server-gone=(\d+) errors=0 elapsed=\d+\.\d\ds");
        Assert.True(match.Success, summary);
        Assert.Equal(20000, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) + int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));

        primary.Terminate();
        Assert.Equal(0, await primary.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task NoSiloReachable_OneClearLine_Exit1_Within30Seconds()
    {
        await using var client = SampleProcess.Start("Ump.Samples.Orleans.Client", ["--requests", "10", "--gateways", FreePort().ToString(CultureInfo.InvariantCulture)]);

        var exitCode = await client.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        var line = Assert.Single(client.Output.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("cannot reach the cluster", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", client.Output, StringComparison.Ordinal);
    }

    private static string[] Args(params object[] values) => [.. values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!)];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
