using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Ump.Hosting;

namespace Ump.Samples.Tests;

/// <summary>The Web API's health endpoint, and one HTTP request traced from the controller through the Ump handler.</summary>
public sealed class WebApiTelemetryTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{

    [Fact]
    public async Task Health_WhileTheServerRuns_IsHealthy()
    {
        using var http = factory.CreateClient();

        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(Bounded.Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OneHttpRequest_IsOneTrace_FromTheRequestThroughTheHandler()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or UmpTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var http = factory.CreateClient();

        // The caller's own trace, so this request's activities can be told apart from any other test's.
        var traceId = ActivityTraceId.CreateRandom();
        using var put = new HttpRequestMessage(HttpMethod.Put, "/kv/traced") { Content = JsonContent.Create(new { value = "v" }) };
        put.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await http.SendAsync(put).WaitAsync(Bounded.Timeout);
        Assert.True(response.IsSuccessStatusCode);

        // The server stops its request activity just after the response is sent: wait for both, within a bound.
        Activity? request = null;
        Activity? handle = null;
        var deadline = Environment.TickCount64 + (long)Bounded.Timeout.TotalMilliseconds;
        while ((request is null || handle is null) && Environment.TickCount64 < deadline)
        {
            request = stopped.FirstOrDefault(a => a.TraceId == traceId && a.OperationName == "Microsoft.AspNetCore.Hosting.HttpRequestIn");
            handle = stopped.FirstOrDefault(a => a.TraceId == traceId && a.OperationName == "ump.handle");
            await Task.Yield();
        }

        Assert.NotNull(request);
        Assert.NotNull(handle);
        Assert.Equal(request.SpanId, handle.ParentSpanId);
        Assert.Equal(ActivityKind.Server, handle.Kind);
    }
}
