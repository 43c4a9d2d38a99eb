using Ump.Hosting;

namespace Ump.Testing.Tests;

public enum TestError
{
    NotFound,
    Refused,
}

/// <summary>A handler made of a function, so each test states what the handler does next to what it checks.</summary>
internal sealed class LambdaHandler(Func<int, ReplyContext<string, TestError>, CancellationToken, ValueTask> handle) : IUmpHandler<int, string, TestError>
{
    public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken) =>
        handle(request, reply, cancellationToken);
}

/// <summary>Defers every answer: keeps the contexts for the test to answer later.</summary>
internal sealed class DeferringHandler : IUmpHandler<int, string, TestError>
{
    public List<ReplyContext<string, TestError>> Deferred { get; } = [];

    public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        lock (Deferred)
        {
            Deferred.Add(reply);
        }

        return default;
    }
}

/// <summary>A scoped dependency that records its disposal.</summary>
internal sealed class ScopedCounter : IDisposable
{
    private static int s_created;

    public int Id { get; } = Interlocked.Increment(ref s_created);

    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}

/// <summary>A handler class built from a service provider: replies with its dependency's id.</summary>
internal sealed class ScopedHandler(ScopedCounter counter, List<ScopedCounter> seen) : IUmpHandler<int, string, TestError>, IDisposable
{
    public static int Disposals;

    public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        lock (seen)
        {
            seen.Add(counter);
        }

        reply.Reply($"{request}:{counter.Id}:{counter.Disposed}");
        return default;
    }

    public void Dispose() => Interlocked.Increment(ref Disposals);
}

/// <summary>Waits for the test's signal before it replies, with its scoped dependency in use.</summary>
internal sealed class GatedScopedHandler(ScopedCounter counter, List<ScopedCounter> seen, TaskCompletionSource gate) : IUmpHandler<int, string, TestError>
{
    public async ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        lock (seen)
        {
            seen.Add(counter);
        }

        await gate.Task.WaitAsync(cancellationToken);
        reply.Reply("done");
    }
}

/// <summary>Keeps its reply context in a field of its own and returns: with nobody else holding the handler, the context is dropped.</summary>
internal sealed class FieldKeepingHandler : IUmpHandler<int, string, TestError>
{
    private ReplyContext<string, TestError> _kept;

    public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        _kept = reply;
        GC.KeepAlive(_kept);
        return default;
    }
}

/// <summary>Needs a service nobody registers.</summary>
internal sealed class NeedsMissingServiceHandler(IFormatProvider missing) : IUmpHandler<int, string, TestError>
{
    public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(missing.ToString()!);
        return default;
    }
}
