namespace Ump.Benchmarks;

/// <summary>Constants and helpers shared by the benchmark classes.</summary>
public static class Shared
{
    /// <summary>Round trips per benchmark invocation: the async caller is a real async loop, and per-invocation costs are amortized.</summary>
    public const int Ops = 1000;

    /// <summary>The longest any setup or cleanup step may wait for a server to stop.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Waits for a background loop to end, bounded; a loop that does not stop is a bug in the benchmark.</summary>
    public static void WaitStopped(Task? loop, string what)
    {
        if (loop is not null && !loop.Wait(StopTimeout))
        {
            throw new TimeoutException($"{what} did not stop within {StopTimeout}.");
        }
    }

    /// <summary>Joins a dedicated server thread, bounded.</summary>
    public static void JoinStopped(Thread? thread, string what)
    {
        if (thread is not null && !thread.Join(StopTimeout))
        {
            throw new TimeoutException($"{what} did not stop within {StopTimeout}.");
        }
    }

    /// <summary>Throws when an echo server answered with something else: keeps the benchmarks honest (and the result used).</summary>
    /// <remarks>Deliberately not [Conditional]: that would drop the awaited argument along with the call.</remarks>
    public static void Check(int expected, int actual)
    {
        if (expected != actual)
        {
            throw new InvalidOperationException($"Expected {expected}, got {actual}.");
        }
    }
}

/// <summary>Echo servers over an Ump channel, in the shapes the benchmarks need.</summary>
public static class UmpServers
{
    /// <summary>An async server loop on the thread pool: <c>WaitAsync</c>, reply at once, repeat until every client is gone.</summary>
    public static Task RunAsync(Server<int, int, NoError> server) => Task.Run(async () =>
    {
        try
        {
            while (true)
            {
                var (request, reply) = await server.WaitAsync();
                reply.Reply(request);
            }
        }
        catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
        {
            // Every client is disposed: the normal way to stop.
        }
    });

    /// <summary>A sync server loop on a dedicated background thread: <c>Wait</c>, reply at once, repeat until every client is gone.</summary>
    public static Thread StartThread(Server<int, int, NoError> server, string name)
    {
        var thread = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    var (request, reply) = server.Wait();
                    reply.Reply(request);
                }
            }
            catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
            {
                // Every client is disposed: the normal way to stop.
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return thread;
    }
}

/// <summary>An Ump channel with its async echo loop (<see cref="UmpServers.RunAsync"/>) running: the raw core every class compares against.</summary>
public sealed class UmpEchoServer : IDisposable
{
    private readonly Server<int, int, NoError> _server;
    private readonly Task _loop;

    /// <summary>Creates the channel and starts the loop.</summary>
    public UmpEchoServer()
    {
        (_server, Client) = UmpChannel.Create<int, int, NoError>();
        _loop = UmpServers.RunAsync(_server);
    }

    /// <summary>The channel's client.</summary>
    public Client<int, int, NoError> Client { get; }

    /// <summary>Disposes the client, waits (bounded) for the loop to see it, and disposes the server.</summary>
    public void Dispose()
    {
        Client.Dispose();
        Shared.WaitStopped(_loop, "Ump server loop");
        _server.Dispose();
    }
}
