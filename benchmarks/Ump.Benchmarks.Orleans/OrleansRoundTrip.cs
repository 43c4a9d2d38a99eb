using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Ump;
using Ump.Hosting;

namespace Ump.Benchmarks.Orleans;

/// <summary>
/// A Ump.Orleans round trip (the caller's Client, the local forwarding loop, JSON payloads, the grain, the activation's
/// dispatcher, the handler) against a plain Orleans grain call carrying the same data with Orleans-generated serializers,
/// on the same in-process cluster of two silos, with 1 and 64 concurrent callers. Baseline: the plain grain call.
/// Each operation is one request per caller, so divide by <see cref="Callers"/> for the cost of one request.
/// </summary>
[MemoryDiagnoser]
public class OrleansRoundTrip
{
    private InProcessTestCluster _cluster = null!;
    private Client<Item, Item, NoError> _client = null!;
    private IPlainGrain _plain = null!;
    private Task[] _calls = null!;

    [Params(1, 64)]
    public int Callers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => silo.Services.AddUmpOrleansServer<Item, Item, NoError, EchoHandler>("echo", o => o.MaxConcurrency = 64));
        builder.ConfigureClient(client => client.Services.AddUmpOrleansClient<Item, Item, NoError>("echo"));
        _cluster = builder.Build();
        _cluster.DeployAsync().GetAwaiter().GetResult();
        _client = _cluster.Client.ServiceProvider.GetRequiredKeyedService<IUmpClientFactory<Item, Item, NoError>>("echo").CreateClient();
        _plain = _cluster.Client.GetGrain<IPlainGrain>("echo#0");
        _calls = new Task[Callers];

        // Both grains activated, and the JIT warm, before the first measured call.
        _client.RequestAsync(Item.Sample).AsTask().GetAwaiter().GetResult();
        _plain.Echo(Item.Sample).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task PlainGrainCall()
    {
        for (var i = 0; i < _calls.Length; i++)
        {
            _calls[i] = _plain.Echo(Item.Sample);
        }

        return Task.WhenAll(_calls);
    }

    [Benchmark]
    public Task UmpOrleans()
    {
        for (var i = 0; i < _calls.Length; i++)
        {
            _calls[i] = _client.RequestAsync(Item.Sample).AsTask();
        }

        return Task.WhenAll(_calls);
    }
}

/// <summary>The data both paths carry: a small record, as a key-value command would be.</summary>
[GenerateSerializer]
[Alias("Ump.Benchmarks.Orleans.Item")]
public sealed record Item([property: Id(0)] string Key, [property: Id(1)] string Value, [property: Id(2)] int Version)
{
    public static readonly Item Sample = new("orders/42", "a value of some forty characters, or so", 7);
}

[Alias("Ump.Benchmarks.Orleans.IPlainGrain")]
public interface IPlainGrain : IGrainWithStringKey
{
    [Alias("Echo")]
    Task<Item> Echo(Item item);
}

/// <summary>The plain grain: reentrant like Ump.Orleans' grain, and it answers on the grain scheduler.</summary>
[global::Orleans.Concurrency.Reentrant]
public sealed class PlainGrain : Grain, IPlainGrain
{
    public Task<Item> Echo(Item item) => Task.FromResult(item);
}

public sealed class EchoHandler : IUmpHandler<Item, Item, NoError>
{
    public ValueTask HandleAsync(Item request, ReplyContext<Item, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}

public static class Program
{
    /// <summary><c>dotnet run -c Release --project benchmarks/Ump.Benchmarks.Orleans -- --filter '*'</c>.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
