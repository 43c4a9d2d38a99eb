using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Ump.Hosting;

namespace Ump.Orleans.Tests;

/// <summary>
/// An in-process cluster of two silos serving the test server, and a cluster client calling it, shared by a collection.
/// Orleans' response timeout is lowered so a killed silo's requests fail within the tests' bounds.
/// </summary>
public class ClusterFixture : IDisposable
{
    public const string Server = "test";
    public const string Partitioned = "spread";
    public const int Partitions = 16;
    public const string Filtered = "filtered";

    /// <summary>A server whose silos time its requests out after a second; its callers set no timeout of their own.</summary>
    public const string Timed = "timed";

    /// <summary>A server the callers know and no silo serves.</summary>
    public const string Unserved = "unserved";

    /// <summary>A server whose handler no silo can create.</summary>
    public const string Unbuildable = "unbuildable";

    /// <summary>A server with a singleton handler that says when it is disposed.</summary>
    public const string Disposing = "disposing";

    public ClusterFixture()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            // Random placement, not the default resource-optimised one, which on a loaded machine can put every partition
            // on the silo that reports less load; Partitions_SpreadOverBothSilos is about our keys, not Orleans' statistics.
            silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
            silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(Server, o => o.MaxConcurrency = 8);
            silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(Partitioned).ConfigureOrleans(o => o.Partitions = Partitions);
            silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(Filtered).AddFilter<RefusingFilter>();
            silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(Timed, o => o.RequestTimeout = TimeSpan.FromSeconds(1));
            silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, UnbuildableHandler>(Unbuildable);
            silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, DisposableCountingHandler>(Disposing, o => o.HandlerLifetime = ServiceLifetime.Singleton);
        });
        builder.ConfigureClient(client =>
        {
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Server, o => o.RequestTimeout = TimeSpan.FromSeconds(3));
            client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Partitioned).ConfigureOrleans(o => o.Partitions = Partitions);
            client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Filtered);
            client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Timed);
            client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Unserved);
            client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Unbuildable);
            client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Disposing);
        });
        Cluster = builder.Build();
        Cluster.DeployAsync().WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
    }

    public InProcessTestCluster Cluster { get; }

    public Client<Ask, Answer, Refusal> CreateClient(string server = Server) =>
        Cluster.Client.ServiceProvider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>(server).CreateClient();

    public void Dispose()
    {
        Cluster.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
