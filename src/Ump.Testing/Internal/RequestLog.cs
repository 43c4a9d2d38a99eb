namespace Ump.Testing.Internal;

/// <summary>The requests a fake or a recorded server received, in arrival order, and waits for them. Thread-safe.</summary>
/// <param name="subject">Who received them, to start the messages with ("The fake server", "Ump server 'orders'").</param>
/// <param name="objectName">The owner's type name, for <see cref="ObjectDisposedException"/>.</param>
/// <param name="closedAdvice">What to do instead, when the log closes before enough requests arrived.</param>
internal sealed class RequestLog<TReq>(string subject, string objectName, string closedAdvice)
{
    private readonly Lock _lock = new();
    private readonly List<TReq> _requests = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;

    public IReadOnlyList<TReq> Snapshot()
    {
        lock (_lock)
        {
            return [.. _requests];
        }
    }

    public void Add(TReq request)
    {
        TaskCompletionSource arrived;
        lock (_lock)
        {
            _requests.Add(request);
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        arrived.TrySetResult();
    }

    public void Clear()
    {
        lock (_lock)
        {
            _requests.Clear();
        }
    }

    /// <summary>No more requests will arrive: waiters for more fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Close()
    {
        TaskCompletionSource arrived;
        lock (_lock)
        {
            _closed = true;
            arrived = _arrived;
        }

        arrived.TrySetResult();
    }

    public async Task<IReadOnlyList<TReq>> WaitForAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task arrived;
            int received;
            lock (_lock)
            {
                received = _requests.Count;
                if (received >= count)
                {
                    return [.. _requests];
                }

                if (_closed)
                {
                    throw new ObjectDisposedException(objectName, $"{subject} was disposed after {received} of the {count} requests expected. {closedAdvice}");
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"{subject} received {received} of the {count} requests expected within {timeout}. Check that the code under test sends them, or wait longer.", ex);
            }
        }
    }
}
