using BenchmarkDotNet.Attributes;
using Ump.Benchmarks.Core.Baselines;

namespace Ump.Benchmarks.Core;

/// <summary>
/// Concurrent async callers against one server loop. Every invocation makes <see cref="Total"/> round trips split
/// evenly over <see cref="Callers"/> callers, so the time and allocation columns are per request.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
public class Throughput
{
    /// <summary>Requests per invocation, divisible by every caller count.</summary>
    public const int Total = 4096;

    private TcsChannelServer _tcs = null!;
    private PooledFloorServer _floor = null!;
    private PooledFloorServer _floorGlobal = null!;
    private Client<int, int, NoError> _client = null!;
    private UmpEchoServer _ump = null!;
    private Task[] _callers = null!;

    [Params(1, 8, 64)]
    public int Callers { get; set; }

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
        _callers = new Task[Callers];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tcs.Stop();
        _floor.Stop();
        _floorGlobal.Stop();
        _ump.Dispose();
    }

    /// <summary>Baseline: Channel + TaskCompletionSource.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Total)]
    public Task ChannelTcs() => RunCallers(static async (self, count) =>
    {
        for (var i = 0; i < count; i++)
        {
            Shared.Check(i, await self._tcs.RequestAsync(i));
        }
    });

    /// <summary>The pooled hand-written floor.</summary>
    [Benchmark(OperationsPerInvoke = Total)]
    public Task PooledFloor() => RunCallers(static async (self, count) =>
    {
        for (var i = 0; i < count; i++)
        {
            Shared.Check(i, await self._floor.RequestAsync(i));
        }
    });

    /// <summary>The floor, replies completed from a global-queue work item.</summary>
    [Benchmark(OperationsPerInvoke = Total)]
    public Task PooledFloor_GlobalQueue() => RunCallers(static async (self, count) =>
    {
        for (var i = 0; i < count; i++)
        {
            Shared.Check(i, await self._floorGlobal.RequestAsync(i));
        }
    });

    /// <summary>Ump RequestAsync against WaitAsync.</summary>
    [Benchmark(OperationsPerInvoke = Total)]
    public Task Ump_RequestAsync() => RunCallers(static async (self, count) =>
    {
        for (var i = 0; i < count; i++)
        {
            Shared.Check(i, await self._client.RequestAsync(i));
        }
    });

    private Task RunCallers(Func<Throughput, int, Task> caller)
    {
        var perCaller = Total / Callers;
        for (var c = 0; c < _callers.Length; c++)
        {
            _callers[c] = Task.Run(() => caller(this, perCaller));
        }

        return Task.WhenAll(_callers);
    }
}
