using BenchmarkDotNet.Attributes;
using Ump.Benchmarks.Core.Baselines;

namespace Ump.Benchmarks.Core;

/// <summary>
/// Blocking round trips: the caller is the benchmark thread, the server a dedicated thread; plus the two mixed pairs.
/// Each invocation is a loop of <see cref="Shared.Ops"/> round trips.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
public class RoundTripSync
{
    private EventPairHandOff _events = null!;
    private BlockingCollectionHandOff _collections = null!;
    private SyncFloorServer _floor = null!;

    private Server<int, int, NoError> _syncServer = null!;
    private Client<int, int, NoError> _syncClient = null!;
    private Thread? _syncThread;

    private Server<int, int, NoError> _asyncServer = null!;
    private Client<int, int, NoError> _asyncServerClient = null!;
    private Task? _asyncServerLoop;

    [GlobalSetup]
    public void Setup()
    {
        _events = new EventPairHandOff();
        _events.Start();
        _collections = new BlockingCollectionHandOff();
        _collections.Start();
        _floor = new SyncFloorServer();
        _floor.Start();
        (_syncServer, _syncClient) = UmpChannel.Create<int, int, NoError>();
        _syncThread = UmpServers.StartThread(_syncServer, "ump-sync-server");
        (_asyncServer, _asyncServerClient) = UmpChannel.Create<int, int, NoError>();
        _asyncServerLoop = UmpServers.RunAsync(_asyncServer);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _events.Stop();
        _events.Dispose();
        _collections.Stop();
        _collections.Dispose();
        _floor.Stop();
        _floor.Dispose();
        _syncClient.Dispose();
        Shared.JoinStopped(_syncThread, "Ump sync server thread");
        _syncServer.Dispose();
        _asyncServerClient.Dispose();
        Shared.WaitStopped(_asyncServerLoop, "Ump async server loop");
        _asyncServer.Dispose();
    }

    /// <summary>Baseline: a ManualResetEventSlim pair between two threads.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Shared.Ops)]
    public void EventPair()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, _events.Request(i));
        }
    }

    /// <summary>A BlockingCollection each way between two threads.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public void BlockingCollection()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, _collections.Request(i));
        }
    }

    /// <summary>The floor of a blocking request/reply any thread can call: the pair plus a locked queue and a reply place per request.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public void SyncFloor()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, _floor.Request(i));
        }
    }

    /// <summary>Ump: <c>client.Request(x)</c> against <c>server.Wait()</c> on a dedicated thread.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public void Ump_Request_Wait()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, _syncClient.Request(i));
        }
    }

    /// <summary>Mixed: sync caller (<c>Request</c>) against an async server loop (<c>WaitAsync</c>).</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public void Ump_SyncCaller_AsyncServer()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, _asyncServerClient.Request(i));
        }
    }

    /// <summary>Mixed: async caller (<c>RequestAsync</c>) against a sync server thread (<c>Wait</c>).</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Ump_AsyncCaller_SyncServer()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _syncClient.RequestAsync(i));
        }
    }
}
