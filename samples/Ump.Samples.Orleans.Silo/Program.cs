using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ump.Samples.KeyValue;

// A silo serving the key-value store: the same handler class as the in-process samples.
// --instance N picks the ports 11111+N (silo) and 30000+N (gateway); --silo-port, --gateway-port and --primary-port override them.
var instance = Option(args, "--instance") ?? 0;
var siloPort = Option(args, "--silo-port") ?? 11111 + instance;
var gatewayPort = Option(args, "--gateway-port") ?? 30000 + instance;
var primaryPort = Option(args, "--primary-port") ?? 11111;

var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort)));
builder.Services.AddOptions<KeyValueStoreOptions>();

// One partition, one singleton handler, one request at a time: the store's state lives in one grain activation. The
// filter runs on the silo, around the handler, as in one process.
builder.Services.AddUmpOrleansServer<KvCommand, KvReply, KvError, KeyValueStoreHandler>("kv", o =>
{
    o.HandlerLifetime = ServiceLifetime.Singleton;
    o.MaxConcurrency = 1;
}).AddFilter<KeyValidationFilter>();

using var host = builder.Build();
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"silo {instance} ready: silo port {siloPort}, gateway port {gatewayPort}, primary {primaryPort}")));
await host.RunAsync();

static int? Option(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
}
