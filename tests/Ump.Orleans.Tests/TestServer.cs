using System.Collections.Concurrent;
using Orleans.Runtime;
using Ump.Hosting;

namespace Ump.Orleans.Tests;

public sealed record Ask(string Op, int Id);

public sealed record Answer(int Id, string Silo);

public sealed record Refusal(string Code, int Id);

/// <summary>What the handlers on every silo of the in-process cluster report to the test, by request id.</summary>
public static class Probe
{
    private static readonly ConcurrentDictionary<int, TaskCompletionSource> s_entered = new();
    private static readonly ConcurrentDictionary<int, TaskCompletionSource> s_tokenFired = new();
    private static readonly ConcurrentDictionary<int, TaskCompletionSource> s_release = new();
    private static int s_nextId;

    /// <summary>An id no other test uses, so tests sharing a cluster never see each other's signals.</summary>
    public static int NewId() => Interlocked.Increment(ref s_nextId);

    public static TaskCompletionSource Entered(int id) => s_entered.GetOrAdd(id, static _ => Bounded.NewSignal());

    public static TaskCompletionSource TokenFired(int id) => s_tokenFired.GetOrAdd(id, static _ => Bounded.NewSignal());

    public static TaskCompletionSource Release(int id) => s_release.GetOrAdd(id, static _ => Bounded.NewSignal());
}

/// <summary>One handler for every outcome: the request's <see cref="Ask.Op"/> says which.</summary>
public sealed class TestHandler(ILocalSiloDetails silo) : IUmpHandler<Ask, Answer, Refusal>
{
    public async ValueTask HandleAsync(Ask request, ReplyContext<Answer, Refusal> reply, CancellationToken cancellationToken)
    {
        var here = silo.SiloAddress.ToParsableString();
        switch (request.Op)
        {
            case "echo":
                reply.Reply(new Answer(request.Id, here));
                break;
            case "fail":
                reply.Fail(new Refusal("no-such-key", request.Id));
                break;
            case "throw":
                throw new InvalidOperationException("the store is corrupt");
            case "give-up":
                reply.Dispose(); // no answer, no reason
                break;
            case "wait":
                // Until the caller gives up (the token) or the test releases it.
                using (cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), Probe.TokenFired(request.Id)))
                {
                    Probe.Entered(request.Id).TrySetResult();
                    await Task.WhenAny(Probe.Release(request.Id).Task, Probe.TokenFired(request.Id).Task).ConfigureAwait(false);
                    reply.Reply(new Answer(request.Id, here));
                }

                break;
            default:
                throw new ArgumentException("unknown op " + request.Op, nameof(request));
        }
    }
}

/// <summary>A stateful singleton handler: each reply's id is how many requests this handler instance has answered.</summary>
public sealed class CountingHandler(ILocalSiloDetails silo) : IUmpHandler<Ask, Answer, Refusal>
{
    private int _count;

    public ValueTask HandleAsync(Ask request, ReplyContext<Answer, Refusal> reply, CancellationToken cancellationToken)
    {
        reply.Reply(new Answer(++_count, silo.SiloAddress.ToParsableString()));
        return default;
    }
}

/// <summary>A handler no silo can create: the service its constructor needs is registered nowhere.</summary>
public sealed class UnbuildableHandler(IUnregisteredStore store) : IUmpHandler<Ask, Answer, Refusal>
{
    public ValueTask HandleAsync(Ask request, ReplyContext<Answer, Refusal> reply, CancellationToken cancellationToken)
    {
        reply.Reply(new Answer(request.Id, store.ToString() ?? ""));
        return default;
    }
}

#pragma warning disable CA1040 // A marker on purpose: nothing implements it.
public interface IUnregisteredStore
{
}
#pragma warning restore CA1040

/// <summary>A singleton handler that counts its requests and says when its activation disposes it.</summary>
public sealed class DisposableCountingHandler(ILocalSiloDetails silo) : IUmpHandler<Ask, Answer, Refusal>, IDisposable
{
    private static int s_disposed;
    private int _count;

    /// <summary>Gets how many instances were disposed in this process: a test waits for it to pass what it read before.</summary>
    public static int DisposedCount => Volatile.Read(ref s_disposed);

    public ValueTask HandleAsync(Ask request, ReplyContext<Answer, Refusal> reply, CancellationToken cancellationToken)
    {
        reply.Reply(new Answer(++_count, silo.SiloAddress.ToParsableString()));
        return default;
    }

    public void Dispose() => Interlocked.Increment(ref s_disposed);
}

/// <summary>Answers "refuse" itself, on the silo, before the handler; passes everything else on.</summary>
public sealed class RefusingFilter : IUmpFilter<Ask, Answer, Refusal>
{
    public ValueTask InvokeAsync(UmpHandlerContext<Ask, Answer, Refusal> context, UmpHandlerDelegate<Ask, Answer, Refusal> next)
    {
        if (context.Request.Op == "refuse")
        {
            context.Reply.Fail(new Refusal("refused by " + context.ServerName, context.Request.Id));
            return default;
        }

        return next(context);
    }
}
