using Proto;

namespace Ump.Benchmarks.Peers;

/// <summary>Proto.Actor: a function actor that responds with the int it receives, called with <c>RequestAsync</c>.</summary>
public sealed class ProtoActorEcho
{
    private readonly ActorSystem _system = new();
    private readonly PID _echo;

    /// <summary>Starts the actor system and spawns the echo actor.</summary>
    public ProtoActorEcho() => _echo = _system.Root.Spawn(Props.FromFunc(static context =>
    {
        if (context.Message is int value)
        {
            context.Respond(value);
        }

        return Task.CompletedTask;
    }));

    /// <summary>One request/response.</summary>
    public Task<int> RequestAsync(int request) => _system.Root.RequestAsync<int>(_echo, request, CancellationToken.None);

    /// <summary>Shuts the actor system down (bounded).</summary>
    public void Stop() => Shared.WaitStopped(_system.ShutdownAsync(), "Proto.Actor system");
}
