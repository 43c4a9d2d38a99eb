using System.Collections.Concurrent;

namespace Ump.Benchmarks.Core.Baselines;

/// <summary>
/// The sync baseline: one caller thread and one dedicated server thread handing a value back and forth through a
/// pair of <see cref="ManualResetEventSlim"/> (default spin count, like Ump's sync waits).
/// </summary>
public sealed class EventPairHandOff : IDisposable
{
    private readonly ManualResetEventSlim _requestReady = new(false);
    private readonly ManualResetEventSlim _replyReady = new(false);
    private Thread? _thread;
    private int _request;
    private int _reply;
    private volatile bool _stopped;

    /// <summary>Starts the dedicated server thread.</summary>
    public void Start()
    {
        _thread = new Thread(Serve) { IsBackground = true, Name = "event-pair-server" };
        _thread.Start();
    }

    /// <summary>One round trip; only one caller at a time.</summary>
    public int Request(int request)
    {
        _request = request;
        _requestReady.Set();
        _replyReady.Wait();
        _replyReady.Reset();
        return _reply;
    }

    /// <summary>Stops the server thread (bounded).</summary>
    public void Stop()
    {
        _stopped = true;
        _requestReady.Set();
        Shared.JoinStopped(_thread, nameof(EventPairHandOff));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _requestReady.Dispose();
        _replyReady.Dispose();
    }

    private void Serve()
    {
        while (true)
        {
            _requestReady.Wait();
            _requestReady.Reset();
            if (_stopped)
            {
                return;
            }

            _reply = _request;
            _replyReady.Set();
        }
    }
}

/// <summary>
/// The other common sync hand-off: a <see cref="BlockingCollection{T}"/> each way between the caller and a dedicated
/// server thread.
/// </summary>
public sealed class BlockingCollectionHandOff : IDisposable
{
    private readonly BlockingCollection<int> _requests = new(new ConcurrentQueue<int>());
    private readonly BlockingCollection<int> _replies = new(new ConcurrentQueue<int>());
    private Thread? _thread;

    /// <summary>Starts the dedicated server thread.</summary>
    public void Start()
    {
        _thread = new Thread(Serve) { IsBackground = true, Name = "blocking-collection-server" };
        _thread.Start();
    }

    /// <summary>One round trip; only one caller at a time.</summary>
    public int Request(int request)
    {
        _requests.Add(request);
        return _replies.Take();
    }

    /// <summary>Stops the server thread (bounded).</summary>
    public void Stop()
    {
        _requests.CompleteAdding();
        Shared.JoinStopped(_thread, nameof(BlockingCollectionHandOff));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _requests.Dispose();
        _replies.Dispose();
    }

    private void Serve()
    {
        foreach (var request in _requests.GetConsumingEnumerable())
        {
            _replies.Add(request);
        }
    }
}
