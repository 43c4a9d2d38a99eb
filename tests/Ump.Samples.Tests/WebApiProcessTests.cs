using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Ump.Samples.WebApi.Controllers;

namespace Ump.Samples.Tests;

/// <summary>
/// The Web API run for real: <c>dotnet Ump.Samples.WebApi.dll --urls http://127.0.0.1:0</c> (the OS picks a free port;
/// the test reads it from the "Now listening on" line), called over HTTP, and stopped with SIGTERM.
/// </summary>
public sealed class WebApiProcessTests
{

    [PosixFact]
    public async Task Sigterm_drains_in_flight_requests_and_exits_0()
    {
        const int InFlight = 6;
        await using var api = SampleProcess.Start("Ump.Samples.WebApi", ["--urls", "http://127.0.0.1:0"], new Dictionary<string, string>
        {
            // The test-only slow path: every store request takes 300 ms (KeyValueStoreOptions.SimulatedLatency), and the store
            // handles one at a time, so the requests below are still queued or running when SIGTERM arrives.
            ["KeyValueStore__SimulatedLatency"] = "00:00:00.300",
            // The controller logs "Sending {Operation} {Key} to the store" at Debug right before its request: the test waits
            // for those lines to know every request has reached the store's queue.
            ["Logging__LogLevel__Ump.Samples.WebApi.Controllers"] = "Debug",
        });
        var listening = await api.WaitForLineAsync(l => l.Contains("Now listening on: http://127.0.0.1:", StringComparison.Ordinal), Bounded.Timeout, "with the address");
        var address = new Uri(listening[(listening.IndexOf("http://", StringComparison.Ordinal))..].Trim());
        using var http = new HttpClient { BaseAddress = address, Timeout = Bounded.Timeout };

        // Over HTTP, for real.
        using (var put = await http.PutAsync(new Uri("/kv/first", UriKind.Relative), JsonContent.Create(new { value = "1" })))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        Assert.Equal(new KvEntry("first", "1"), await http.GetFromJsonAsync<KvEntry>("/kv/first"));
        using (var huge = await http.PutAsync(new Uri("/kv/huge", UriKind.Relative), JsonContent.Create(new { value = new string('v', KvController.MaxBodyBytes) })))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode); // Kestrel enforces [RequestSizeLimit]; the in-process TestServer does not
        }

        // Requests in flight, then SIGTERM.
        var requests = Enumerable.Range(0, InFlight)
            .Select(i => http.PutAsync(new Uri($"/kv/drain-{i}", UriKind.Relative), JsonContent.Create(new { value = $"v{i}" })))
            .ToArray();
        for (var i = 0; i < InFlight; i++)
        {
            var key = $"drain-{i}";
            await api.WaitForLineAsync(l => l.Contains($"Sending Put {key} to the store", StringComparison.Ordinal), Bounded.Timeout, $"for {key}");
        }

        Assert.False(requests.All(r => r.IsCompleted), "the requests finished before the stop: the slow path is not in effect");
        api.Terminate();

        // Every in-flight request is answered: the Ump server drains its queue before the host stops.
        var responses = await Task.WhenAll(requests).WaitAsync(Bounded.Timeout);
        for (var i = 0; i < InFlight; i++)
        {
            using var response = responses[i];
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal(new KvEntry($"drain-{i}", $"v{i}"), await response.Content.ReadFromJsonAsync<KvEntry>());
        }

        var exitCode = await api.WaitForExitAsync(Bounded.Timeout);
        Assert.True(exitCode == 0, $"exit code {exitCode}; output:{Environment.NewLine}{api.Output}");
        Assert.Contains("Application is shutting down...", api.Output, StringComparison.Ordinal);
        var drain = Regex.Match(api.Output, @"Ump server '\(unnamed\)' is stopping: no new requests; draining (\d+) queued and (\d+) running requests");
        Assert.True(drain.Success, api.Output);
        Assert.True(int.Parse(drain.Groups[1].Value, CultureInfo.InvariantCulture) + int.Parse(drain.Groups[2].Value, CultureInfo.InvariantCulture) > 0, drain.Value);
        var drained = Regex.Match(api.Output, @"Ump server '\(unnamed\)' stopped: during the drain (\d+) requests were answered, 0 were given up by their callers \(canceled or timed out\) and 0 got no answer");
        Assert.True(drained.Success, api.Output);
        Assert.True(int.Parse(drained.Groups[1].Value, CultureInfo.InvariantCulture) > 0, drained.Value);
    }
}

/// <summary>A fact that needs POSIX signals (SIGTERM through <c>kill</c>): skipped on Windows.</summary>
public sealed class PosixFactAttribute : FactAttribute
{
    public PosixFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Needs POSIX signals (kill -TERM).";
        }
    }
}
