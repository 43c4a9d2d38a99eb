using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Ump.Hosting;
using Ump.Samples.KeyValue;
using Ump.Samples.Worker;

var builder = Host.CreateApplicationBuilder(args);

// Server "kv": the in-memory key-value store. One stateful handler instance owns a plain Dictionary and handles one
// request at a time (the ump-server style): no locks needed. That shape is part of the handler's design, so it is set
// in code, after the section is bound.
builder.Services.AddOptions<KeyValueStoreOptions>().BindConfiguration(KeyValueStoreOptions.SectionName);
builder.Services.AddUmpServer<KvCommand, KvReply, KvError, KeyValueStoreHandler>("kv")
    .BindConfiguration("Ump:KeyValue")
    .Configure(o =>
    {
        o.HandlerLifetime = ServiceLifetime.Singleton;
        o.MaxConcurrency = 1;
    })
    .AddFilter<RequestTimingFilter<KvCommand, KvReply, KvError>>()
    .AddFilter<KeyValidationFilter>()
    .AddHealthCheck();

// Server "hashing": a stateless, CPU-bound service. A scoped handler (the default lifetime), a fresh one per request,
// with MaxConcurrency (4) and the other options from appsettings.json. Both servers time their requests in a filter
// (Debug records: "Logging:LogLevel:Ump.Samples.Worker": "Debug" to see them).
builder.Services.AddUmpServer<HashRequest, HashReply, HashError, HashingHandler>("hashing")
    .BindConfiguration("Ump:Hashing")
    .AddFilter<RequestTimingFilter<HashRequest, HashReply, HashError>>()
    .AddHealthCheck(degradedQueueLength: 100);

// Health: both servers' checks, logged when their status changes (a worker has no /health endpoint to ask).
builder.Services.AddHostedService<HealthLogger>();

// Telemetry to the console, when "Telemetry:ConsoleExporter" is true: the Ump meter and the ump.handle activities.
if (builder.Configuration.GetValue<bool>("Telemetry:ConsoleExporter"))
{
    builder.Services.AddOpenTelemetry()
        .WithTracing(tracing => tracing.AddSource(UmpTelemetry.ActivitySourceName).AddConsoleExporter())
        .WithMetrics(metrics => metrics.AddMeter(UmpTelemetry.MeterName).AddConsoleExporter());
}

// The client: the "Worker" section, and "requests" (--requests N on the command line) to stop after N requests.
builder.Services.AddOptions<ClientWorkerOptions>()
    .BindConfiguration("Worker")
    .Configure<IConfiguration>((o, config) => o.Requests = config.GetValue("requests", o.Requests))
    .ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<ClientWorkerOptions>, ClientWorkerOptionsValidator>();
builder.Services.AddHostedService<ClientWorker>();

using var host = builder.Build();

// A configuration error (a bad option, a misspelled key) is one line and exit code 2, not a stack trace: validate
// every option registered with ValidateOnStart (the Ump servers' options among them) before the host starts.
try
{
    await host.Services.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();
}
catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException or AggregateException)
{
    Console.Error.WriteLine($"error: {ConfigurationErrors.Describe(ex)}");
    return 2;
}

await host.RunAsync();
return 0;
