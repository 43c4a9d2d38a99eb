using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ump.Hosting;
using Ump.Samples.KeyValue;
using Ump.Samples.WebApi.Controllers;
using Ump.Testing;
using OptionsNames = Microsoft.Extensions.Options.Options;

namespace Ump.Samples.Tests;

/// <summary>The Web API in process (<see cref="WebApplicationFactory{TEntryPoint}"/>): controller → scoped client → Ump server → handler.</summary>
public sealed class WebApiTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{

    [Fact]
    public async Task Put_get_delete_round_trip()
    {
        using var http = factory.CreateClient();

        using var created = await Put(http, "round-trip", "one");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/kv/round-trip", created.Headers.Location?.AbsolutePath);
        Assert.Equal(new KvEntry("round-trip", "one"), await created.Content.ReadFromJsonAsync<KvEntry>());

        using var replaced = await Put(http, "round-trip", "two");
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(new KvEntry("round-trip", "two"), await replaced.Content.ReadFromJsonAsync<KvEntry>());

        Assert.Equal(new KvEntry("round-trip", "two"), await http.GetFromJsonAsync<KvEntry>("/kv/round-trip"));

        using var deleted = await http.DeleteAsync(new Uri("/kv/round-trip", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var gone = await http.GetAsync(new Uri("/kv/round-trip", UriKind.Relative));
        await AssertProblem(gone, HttpStatusCode.NotFound, "The key was not found.");
    }

    [Fact]
    public async Task NotFound_from_the_store_is_404_with_problem_details()
    {
        using var http = factory.CreateClient();

        using var get = await http.GetAsync(new Uri("/kv/never-put", UriKind.Relative));
        await AssertProblem(get, HttpStatusCode.NotFound, "The key was not found.");

        using var delete = await http.DeleteAsync(new Uri("/kv/never-put", UriKind.Relative));
        await AssertProblem(delete, HttpStatusCode.NotFound, "The key was not found.");
    }

    [Theory]
    [InlineData("GET", "/kv/", "key")]
    [InlineData("DELETE", "/kv/", "key")]
    [InlineData("PUT", "/kv/", "key")]
    [InlineData("GET", "/kv/{long}", "key")]
    [InlineData("PUT", "/kv/{long}", "key")]
    [InlineData("DELETE", "/kv/{long}", "key")]
    public async Task Invalid_key_is_400_from_model_validation(string method, string path, string field)
    {
        using var http = factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{long}", new string('k', KvLimits.MaxKeyLength + 1), StringComparison.Ordinal));
        if (method == "PUT")
        {
            request.Content = JsonContent.Create(new { value = "v" });
        }

        using var response = await http.SendAsync(request);

        var problem = await AssertValidationProblem(response);
        Assert.Contains(problem.Errors.Keys, k => k.Equals(field, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Longest_key_is_accepted()
    {
        using var http = factory.CreateClient();
        var key = new string('k', KvLimits.MaxKeyLength);

        using var response = await Put(http, key, "v");

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
    }

    [Fact]
    public async Task Value_over_the_limit_or_missing_is_400_from_model_validation()
    {
        using var http = factory.CreateClient();

        using var tooLong = await Put(http, "big", new string('v', KvLimits.MaxValueLength + 1));
        var problem = await AssertValidationProblem(tooLong);
        Assert.Contains("Value", problem.Errors.Keys);

        using var longest = await Put(http, "big", new string('v', KvLimits.MaxValueLength));
        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);

        using var missing = await http.PutAsync(new Uri("/kv/no-value", UriKind.Relative), JsonContent.Create(new { }));
        problem = await AssertValidationProblem(missing);
        Assert.Contains("Value", problem.Errors.Keys);
    }

    [Fact]
    public async Task Concurrent_requests_are_all_answered_correctly()
    {
        using var http = factory.CreateClient();
        var keys = Enumerable.Range(0, 200).Select(i => $"concurrent-{i}").ToArray();

        var puts = await Task.WhenAll(keys.Select(async key =>
        {
            using var response = await Put(http, key, "value of " + key);
            return (response.StatusCode, Entry: await response.Content.ReadFromJsonAsync<KvEntry>());
        })).WaitAsync(Bounded.Timeout);
        Assert.All(puts.Zip(keys), p => Assert.Equal((HttpStatusCode.Created, new KvEntry(p.Second, "value of " + p.Second)), p.First));

        var gets = await Task.WhenAll(keys.Select(key => http.GetFromJsonAsync<KvEntry>($"/kv/{key}"))).WaitAsync(Bounded.Timeout);
        Assert.Equal(keys.Select(k => new KvEntry(k, "value of " + k)), gets);
    }

    [Fact]
    public async Task Store_gone_is_503_with_problem_details()
    {
        await using var app = factory.WithWebHostBuilder(_ => { });
        using var http = app.CreateClient();
        using (var before = await Put(http, "k", "v"))
        {
            Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        }

        // Stop the Ump server's hosted service, as the host does on shutdown: from then on requests fail with ServerDisappeared.
        var umpServices = app.Services.GetServices<IHostedService>().Where(s => s.GetType().Namespace?.StartsWith("Ump.Hosting", StringComparison.Ordinal) == true).ToList();
        Assert.Single(umpServices);
        using var cts = new CancellationTokenSource(Bounded.Timeout);
        foreach (var service in umpServices)
        {
            await ((IHostedLifecycleService)service).StoppingAsync(cts.Token);
            await service.StopAsync(cts.Token);
        }

        using var get = await http.GetAsync(new Uri("/kv/k", UriKind.Relative)).WaitAsync(Bounded.Timeout);
        await AssertProblem(get, HttpStatusCode.ServiceUnavailable, "The store is not available.");
        using var put = await Put(http, "k", "w").WaitAsync(Bounded.Timeout);
        await AssertProblem(put, HttpStatusCode.ServiceUnavailable, "The store is not available.");
    }

    [Fact]
    public async Task Store_timeout_is_503_with_problem_details()
    {
        await using var app = factory.WithWebHostBuilder(web => web.ConfigureTestServices(services =>
        {
            services.Configure<UmpServerOptions>(OptionsNames.DefaultName, o => o.RequestTimeout = TimeSpan.FromMilliseconds(200));
            services.Configure<KeyValueStoreOptions>(o => o.SimulatedLatency = TimeSpan.FromMinutes(5));
        }));
        using var http = app.CreateClient();

        using var response = await http.GetAsync(new Uri("/kv/slow", UriKind.Relative)).WaitAsync(Bounded.Timeout);

        await AssertProblem(response, HttpStatusCode.ServiceUnavailable, "The store did not answer in time.");
    }

    #region readme-integration-test
    [Fact]
    public async Task Store_that_does_not_answer_is_503_and_the_store_saw_the_request()
    {
        UmpRequestRecorder<KvCommand, KvReply, KvError>? recorder = null;
        await using var app = factory.WithWebHostBuilder(web => web.ConfigureTestServices(services =>
        {
            recorder = services.RecordUmpRequests<KvCommand, KvReply, KvError>();
            services.ReplaceUmpHandler<KvCommand, KvReply, KvError>(_ => throw new InvalidOperationException("the disk is full"));
        }));
        using var http = app.CreateClient();

        using var response = await http.GetAsync(new Uri("/kv/k", UriKind.Relative)).WaitAsync(Bounded.Timeout);

        await AssertProblem(response, HttpStatusCode.ServiceUnavailable, "The store did not answer.");
        Assert.Equal([KvCommand.Get("k")], recorder!.Requests);
    }
    #endregion

    private static Task<HttpResponseMessage> Put(HttpClient http, string key, string value) =>
        http.PutAsync(new Uri("/kv/" + Uri.EscapeDataString(key), UriKind.Relative), JsonContent.Create(new { value }));

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.NotNull(problem);
        Assert.Equal((int)status, problem.Status);
        Assert.Equal(title, problem.Title);
        Assert.True(problem.Extensions.ContainsKey("traceId"));
    }

    private static async Task<ValidationProblemDetails> AssertValidationProblem(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.NotNull(problem);
        Assert.Equal(400, problem.Status);
        Assert.NotEmpty(problem.Errors);
        return problem;
    }
}
