using BenchmarkDotNet.Attributes;

namespace Ump.Benchmarks.Peers;

/// <summary>
/// The same echo round trip with what a user might pick instead of Ump, each in its usual in-process shape.
/// Baseline: Ump <c>RequestAsync</c> against an async <c>WaitAsync</c> server loop.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
public class Alternatives
{
    private Client<int, int, NoError> _client = null!;
    private UmpEchoServer _ump = null!;
    private ProtoActorEcho? _proto;
    private AkkaEcho? _akka;
    private WolverineEcho? _wolverine;
    private MassTransitEcho? _massTransit;

    // Each target sets up only what it measures: the frameworks' background threads would otherwise run beside every row.
    [GlobalSetup(Target = nameof(Ump_RequestAsync))]
    public void SetupUmp()
    {
        _ump = new UmpEchoServer();
        _client = _ump.Client;
    }

    [GlobalCleanup(Target = nameof(Ump_RequestAsync))]
    public void CleanupUmp() => _ump.Dispose();

    [GlobalSetup(Target = nameof(ProtoActor_RequestAsync))]
    public void SetupProto() => _proto = new ProtoActorEcho();

    [GlobalCleanup(Target = nameof(ProtoActor_RequestAsync))]
    public void CleanupProto() => _proto?.Stop();

    [GlobalSetup(Target = nameof(Akka_Ask))]
    public void SetupAkka() => _akka = new AkkaEcho();

    [GlobalCleanup(Target = nameof(Akka_Ask))]
    public void CleanupAkka() => _akka?.Stop();

    [GlobalSetup(Target = nameof(Wolverine_InvokeAsync))]
    public void SetupWolverine() => _wolverine = new WolverineEcho();

    [GlobalCleanup(Target = nameof(Wolverine_InvokeAsync))]
    public void CleanupWolverine() => _wolverine?.Stop();

    [GlobalSetup(Target = nameof(MassTransit_Mediator))]
    public void SetupMassTransit() => _massTransit = new MassTransitEcho();

    [GlobalCleanup(Target = nameof(MassTransit_Mediator))]
    public void CleanupMassTransit() => _massTransit?.Stop();

    /// <summary>Baseline: Ump <c>RequestAsync</c> to a <c>WaitAsync</c> server loop on another task.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Shared.Ops)]
    public async Task Ump_RequestAsync()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _client.RequestAsync(i));
        }
    }

    /// <summary>Proto.Actor: <c>RequestAsync&lt;int&gt;</c> to a function actor that responds.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task ProtoActor_RequestAsync()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _proto!.RequestAsync(i));
        }
    }

    /// <summary>Akka.NET: <c>Ask&lt;int&gt;</c> to a ReceiveActor that tells the sender back.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Akka_Ask()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _akka!.RequestAsync(i));
        }
    }

    /// <summary>Wolverine: <c>IMessageBus.InvokeAsync&lt;TResponse&gt;</c> to a local handler in a started host (runs inline, no thread hop).</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Wolverine_InvokeAsync()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _wolverine!.RequestAsync(i));
        }
    }

    /// <summary>MassTransit 8 mediator: request client <c>GetResponse</c> to a consumer that responds.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task MassTransit_Mediator()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _massTransit!.RequestAsync(i));
        }
    }
}
