using System.Threading.Channels;

namespace Ump.Benchmarks.Core.Baselines;

/// <summary>
/// The hand-written baseline: a <see cref="Channel{T}"/> of (request, <see cref="TaskCompletionSource{TResult}"/>)
/// and a server loop that completes each source. One <see cref="TaskCompletionSource{TResult}"/> (and its task)
/// per request, continuations asynchronous like Ump's.
/// </summary>
public sealed class TcsChannelServer
{
    private readonly Channel<(int Request, TaskCompletionSource<int> Reply)> _channel =
        Channel.CreateUnbounded<(int, TaskCompletionSource<int>)>(new UnboundedChannelOptions { SingleReader = true });

    private Task? _loop;

    /// <summary>Starts the echo server loop on the thread pool.</summary>
    public void Start() => _loop = Task.Run(async () =>
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var item))
            {
                item.Reply.TrySetResult(item.Request);
            }
        }
    });

    /// <summary>Sends one request and returns the task of its reply.</summary>
    public Task<int> RequestAsync(int request)
    {
        var reply = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_channel.Writer.TryWrite((request, reply)))
        {
            throw new InvalidOperationException("The server is stopped.");
        }

        return reply.Task;
    }

    /// <summary>Completes the channel and waits (bounded) for the loop to end.</summary>
    public void Stop()
    {
        _channel.Writer.TryComplete();
        Shared.WaitStopped(_loop, nameof(TcsChannelServer));
    }
}
