using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ump.Samples.KeyValue;

namespace Ump.Readme.Snippets;

public static class Orleans
{
    public static void Silo(HostApplicationBuilder builder)
    {
        #region orleans-server
        // Every silo (builder.UseOrleans(...)): the handler served from grains, one dispatcher per grain activation,
        // with the usual UmpServerOptions (lifetime, MaxConcurrency, RequestTimeout, slow-handler watch, telemetry).
        builder.Services.AddUmpOrleansServer<KvCommand, KvReply, KvError, KeyValueStoreHandler>("kv", o =>
        {
            o.HandlerLifetime = ServiceLifetime.Singleton;
            o.MaxConcurrency = 1;
        });
        #endregion
    }

    public static void Caller(HostApplicationBuilder builder)
    {
        #region orleans-client
        // Every caller (builder.UseOrleansClient(...), or a silo in the same host): the keyed Client and IUmpClientFactory.
        builder.Services.AddUmpOrleansClient<KvCommand, KvReply, KvError>("kv", o => o.RequestTimeout = TimeSpan.FromSeconds(10));
        #endregion
    }
}
