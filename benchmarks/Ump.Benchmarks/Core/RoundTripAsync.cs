using BenchmarkDotNet.Attributes;
using Ump.Benchmarks.Core.Baselines;

namespace Ump.Benchmarks.Core;

/// <summary>
/// One async caller, one async server loop on its own task replying at once. Each invocation is an async loop of
/// <see cref="Shared.Ops"/> round trips, so time and allocation are per round trip.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
public class RoundTripAsync
{
    private TcsChannelServer _tcs = null!;
    private PooledFloorServer _floor = null!;
    private PooledFloorServer _floorGlobal = null!;
    private Client<int, int, NoError> _client = null!;
    private UmpEchoServer _ump = null!;
    private CancellationTokenSource _cts = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tcs = new TcsChannelServer();
        _tcs.Start();
        _floor = new PooledFloorServer();
        _floor.Start();
        _floorGlobal = new PooledFloorServer(globalQueue: true);
        _floorGlobal.Start();
        _ump = new UmpEchoServer();
        _client = _ump.Client;
        _cts = new CancellationTokenSource();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tcs.Stop();
        _floor.Stop();
        _floorGlobal.Stop();
        _ump.Dispose();
        _cts.Dispose();
    }

    /// <summary>Baseline: Channel&lt;(T, TaskCompletionSource&lt;T&gt;)&gt; + TCS(RunContinuationsAsynchronously).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Shared.Ops)]
    public async Task ChannelTcs()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _tcs.RequestAsync(i));
        }
    }

    /// <summary>The practical floor: hand-written pooled ManualResetValueTaskSourceCore request/reply.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task PooledFloor()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _floor.RequestAsync(i));
        }
    }

    /// <summary>The floor, replies completed from a global-queue work item (see <see cref="PooledFloorServer"/>).</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task PooledFloor_GlobalQueue()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _floorGlobal.RequestAsync(i));
        }
    }

    /// <summary>Ump: <c>await client.RequestAsync(x)</c> against <c>await server.WaitAsync()</c>.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Ump_RequestAsync()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _client.RequestAsync(i));
        }
    }

    /// <summary>Ump with a cancelable caller token (the contract allows one small allocation for it).</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Ump_RequestAsync_CancelableToken()
    {
        var token = _cts.Token;
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _client.RequestAsync(i, token));
        }
    }

    /// <summary>Ump: <c>await client.Send(x)</c> (the WaitReply handle awaited directly).</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Ump_SendAwait()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            Shared.Check(i, await _client.Send(i));
        }
    }

    /// <summary>Ump: <c>using var w = client.Send(x); await w;</c>, the documented disposal pattern for a WaitReply.</summary>
    [Benchmark(OperationsPerInvoke = Shared.Ops)]
    public async Task Ump_SendAwait_Using()
    {
        for (var i = 0; i < Shared.Ops; i++)
        {
            using var wait = _client.Send(i);
            Shared.Check(i, await wait);
        }
    }
}
