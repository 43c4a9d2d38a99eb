using Akka.Actor;

namespace Ump.Benchmarks.Peers;

/// <summary>Akka.NET: a ReceiveActor that tells every int back to its sender, called with <c>Ask</c>.</summary>
public sealed class AkkaEcho
{
    private readonly ActorSystem _system;
    private readonly IActorRef _echo;

    /// <summary>Starts the actor system (warnings only) and creates the echo actor.</summary>
    public AkkaEcho()
    {
        _system = ActorSystem.Create("bench", "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        _echo = _system.ActorOf(Props.Create<EchoActor>(), "echo");
    }

    /// <summary>One ask.</summary>
    public Task<int> RequestAsync(int request) => _echo.Ask<int>(request);

    /// <summary>Terminates the actor system (bounded).</summary>
    public void Stop() => Shared.WaitStopped(_system.Terminate(), "Akka.NET system");

    /// <summary>The echo actor.</summary>
    public sealed class EchoActor : ReceiveActor
    {
        /// <summary>Replies to every int with the same int.</summary>
        public EchoActor() => Receive<int>(value => Sender.Tell(value));
    }
}
