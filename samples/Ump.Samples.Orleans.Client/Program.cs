using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Ump;
using Ump.Hosting;
using Ump.Samples.KeyValue;

// Sends --requests N requests to the key-value store served by the silos, from several concurrent loops, through the
// same injectable Client as the in-process samples; prints one summary line. --gateways 30000,30001 names the gateways.
var requests = Option(args, "--requests") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 1000;
var gateways = (Option(args, "--gateways") ?? "30000,30001").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error).AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
var connecting = Stopwatch.StartNew();
builder.UseOrleansClient(client => client
    .UseLocalhostClustering(gateways)

    // Below the Client's RequestTimeout: a call stuck on a dead silo comes back as ServerDisappeared, not as a timeout.
    .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5))

    // Give up connecting after 20 s instead of retrying for ever.
    .UseConnectionRetryFilter(async (_, ct) =>
    {
        if (connecting.Elapsed > TimeSpan.FromSeconds(20))
        {
            return false;
        }

        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        return true;
    }));
builder.Services.AddUmpOrleansClient<KvCommand, KvReply, KvError>("kv", o => o.RequestTimeout = TimeSpan.FromSeconds(10));
builder.Services.AddSingleton(new Workload(requests));
builder.Services.AddHostedService<Runner>();

try
{
    using var host = builder.Build();
    await host.RunAsync();
    return Environment.ExitCode;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    Console.Error.WriteLine($"error: cannot reach the cluster at gateways {string.Join(", ", gateways)}: {ex.GetType().Name}: {ex.Message}");
    return 1;
}

static string? Option(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record Workload(int Requests);

/// <summary>Puts then gets keys from 8 loops; a reply must carry the value put, anything but a reply, an app error or ServerDisappeared is an error.</summary>
internal sealed class Runner(Workload workload, [FromKeyedServices("kv")] IUmpClientFactory<KvCommand, KvReply, KvError> clients, IHostApplicationLifetime lifetime) : BackgroundService
{
    private const int Loops = 8;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = clients.CreateClient();
        Console.WriteLine("connected: sending requests");
        int next = -1, replies = 0, gone = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Loops).Select(loop => Task.Run(async () =>
        {
            while (!stoppingToken.IsCancellationRequested && Interlocked.Increment(ref next) is var i && i < workload.Requests)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"key-{i % 100}");
                var value = string.Create(CultureInfo.InvariantCulture, $"value-{i}");
                try
                {
                    var reply = await client.RequestAsync(KvCommand.Put(key, value), stoppingToken);
                    Interlocked.Increment(ref reply.Value == value && reply.Key == key ? ref replies : ref errors);
                }
                catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared)
                {
                    Interlocked.Increment(ref gone);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    Console.Error.WriteLine($"request {i}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }, CancellationToken.None)));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests={workload.Requests} replies={replies} server-gone={gone} errors={errors} elapsed={clock.Elapsed.TotalSeconds:F2}s"));
        Environment.ExitCode = errors == 0 && replies + gone == workload.Requests ? 0 : 1;
        lifetime.StopApplication();
    }
}
