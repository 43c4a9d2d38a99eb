using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Ump.Hosting;
using Ump.Samples.KeyValue;
using Ump.Samples.WebApi;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddControllers(o => o.Filters.Add<UmpExceptionFilter>());
builder.Services.AddProblemDetails();

// The key-value store: the unnamed Ump server of these types, so controllers inject Client<KvCommand, KvReply, KvError>
// (scoped: one clone per HTTP request, disposed with it). One stateful handler, one request at a time, no locks.
#region kv-server
builder.Services.AddOptions<KeyValueStoreOptions>().BindConfiguration(KeyValueStoreOptions.SectionName);
builder.Services.AddUmpServer<KvCommand, KvReply, KvError, KeyValueStoreHandler>()
    .BindConfiguration("Ump:KeyValue")
    .Configure(o =>
    {
        o.HandlerLifetime = ServiceLifetime.Singleton;
        o.MaxConcurrency = 1;
    })
    .AddFilter<KeyValidationFilter>()
    .AddHealthCheck(degradedQueueLength: 1000);
#endregion

// Telemetry: the Ump meter and activity source are standard .NET ones, so OpenTelemetry needs no adapter. With
// "Telemetry:ConsoleExporter": true, one HTTP request prints one trace: the ASP.NET Core request, then ump.handle.
if (builder.Configuration.GetValue<bool>("Telemetry:ConsoleExporter"))
{
    builder.Services.AddOpenTelemetry()
        .WithTracing(tracing => tracing
            .AddSource("Microsoft.AspNetCore", UmpTelemetry.ActivitySourceName)
            .AddConsoleExporter())
        .WithMetrics(metrics => metrics
            .AddMeter(UmpTelemetry.MeterName)
            .AddConsoleExporter());
}

// Keep the host's shutdown limit above the Ump server's ShutdownTimeout (10 s in appsettings.json), so the drain can finish.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

var app = builder.Build();

// Unhandled exceptions become problem details; a bad request Kestrel detected (e.g. a body over [RequestSizeLimit]) keeps its status code (413).
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
});
app.UseStatusCodePages();
app.MapControllers();
app.MapHealthChecks("/health");

app.Run();

/// <summary>The entry point; public for <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
