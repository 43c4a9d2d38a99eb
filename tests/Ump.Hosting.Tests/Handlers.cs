using System.Collections.Concurrent;

namespace Ump.Hosting.Tests;

/// <summary>Replies with the request.</summary>
public sealed class EchoHandler : IUmpHandler<int, int, NoError>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}

public sealed class StringEchoHandler : IUmpHandler<string, string, NoError>
{
    public ValueTask HandleAsync(string request, ReplyContext<string, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A test's hooks into a handler that DI creates: each test registers its own instance as a singleton.</summary>
public sealed class Probe
{
    private int _active;
    private int _maxActive;
    private int _entered;

    public ConcurrentQueue<int> Entered { get; } = new();

    public ConcurrentQueue<int> Order { get; } = new();

    public int MaxActive => Volatile.Read(ref _maxActive);

    public int EnteredCount => Volatile.Read(ref _entered);

    /// <summary>Handlers wait for this before they reply (open by default).</summary>
    public TaskCompletionSource Gate { get; set; } = CompletedGate();

    /// <summary>Completes when <see cref="EnteredTarget"/> handlers have entered.</summary>
    public TaskCompletionSource EnteredEnough { get; } = Bounded.NewSignal();

    public int EnteredTarget { get; set; } = int.MaxValue;

    public Func<int, ReplyContext<int, NoError>, CancellationToken, ValueTask>? Body { get; set; }

    public void Enter(int request)
    {
        Entered.Enqueue(request);
        var active = Interlocked.Increment(ref _active);
        var max = Volatile.Read(ref _maxActive);
        while (active > max && Interlocked.CompareExchange(ref _maxActive, active, max) != max)
        {
            max = Volatile.Read(ref _maxActive);
        }

        if (Interlocked.Increment(ref _entered) >= EnteredTarget)
        {
            EnteredEnough.TrySetResult();
        }
    }

    public void Leave() => Interlocked.Decrement(ref _active);

    private static TaskCompletionSource CompletedGate()
    {
        var gate = Bounded.NewSignal();
        gate.SetResult();
        return gate;
    }
}

/// <summary>Enters the probe, waits at its gate, records the order, replies with the request.</summary>
public sealed class GatedHandler(Probe probe) : IUmpHandler<int, int, NoError>
{
    public async ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        probe.Enter(request);
        try
        {
            if (probe.Body is { } body)
            {
                await body(request, reply, cancellationToken);
                return;
            }

            await probe.Gate.Task.WaitAsync(Bounded.Timeout);
            probe.Order.Enqueue(request);
        }
        finally
        {
            probe.Leave();
        }

        reply.Reply(request);
    }
}
