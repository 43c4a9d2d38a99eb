using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ump.Hosting.Tests;

/// <summary>What a <see cref="ScriptedHandler"/> does and saw: each test registers its own instance as a singleton.</summary>
public sealed class Script
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource<Activity?>> _entered = new();

    /// <summary>The handler's body; replies with the request by default.</summary>
    public Func<int, ReplyContext<int, string>, CancellationToken, ValueTask> Body { get; set; } = (request, reply, _) =>
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    };

    /// <summary>Completes with <see cref="Activity.Current"/> inside the handler once the handler of <paramref name="request"/> has entered.</summary>
    public Task<Activity?> Entered(int request) => Signal(request).Task.WaitAsync(Bounded.Timeout);

    internal void Enter(int request) => Signal(request).TrySetResult(Activity.Current);

    private TaskCompletionSource<Activity?> Signal(int request) => _entered.GetOrAdd(request, _ => Bounded.NewSignal<Activity?>());
}

/// <summary>Signals its script that it entered (with the current activity), then runs the script's body.</summary>
public sealed class ScriptedHandler(Script script) : IUmpHandler<int, int, string>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, string> reply, CancellationToken cancellationToken)
    {
        script.Enter(request);
        return script.Body(request, reply, cancellationToken);
    }
}
