using Ump.Testing.Internal;

namespace Ump.Testing;

/// <summary>
/// Requests a <see cref="FakeUmpServer{TReq, TReply, TErr}"/> holds unanswered (see <see cref="FakeUmpScript{TReq, TReply, TErr}.Hold"/>)
/// until the test releases them with one of <see cref="Reply"/>, <see cref="Fail"/>, <see cref="NoReply"/> or <see cref="ServerDisappeared"/>.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// The release answers every request held so far, and every later one its script picks, at once. A held request whose
/// caller gives up is withdrawn from the caller's point of view; releasing it later changes nothing for that caller.
/// Disposing the fake server ends the held requests with <see cref="UmpErrorKind.ServerDisappeared"/>. Thread-safe.
/// </remarks>
public sealed class FakeUmpHold<TReq, TReply, TErr>
{
    private readonly Lock _gate = new();
    private readonly FakeUmpServer<TReq, TReply, TErr> _owner;
    private readonly List<(TReq Request, ReplyContext<TReply, TErr> Reply)> _held = [];
    private readonly TaskCompletionSource<TReq> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ScriptedAnswer<TReq, TReply, TErr>? _release;
    private bool _aborted;

    internal FakeUmpHold(FakeUmpServer<TReq, TReply, TErr> owner) => _owner = owner;

    /// <summary>Gets how many requests the hold is holding now (taken and not yet released).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Waits until the hold has taken its first request, and returns it.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The first request the hold took.</returns>
    /// <exception cref="TimeoutException">No request reached the hold within <paramref name="timeout"/>.</exception>
    /// <exception cref="ObjectDisposedException">The fake server was disposed before a request reached the hold.</exception>
    public async Task<TReq> WaitForRequestAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _first.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"No request reached the hold within {timeout}. Check that the code under test sent one, and that no earlier OnNext or On script picked it first.", ex);
        }
    }

    /// <summary>Answers every held request, and every later one the script picks, with <paramref name="reply"/>.</summary>
    /// <param name="reply">The reply.</param>
    /// <exception cref="InvalidOperationException">The hold was already released.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void Reply(TReply reply) => Release(ScriptedAnswer<TReq, TReply, TErr>.Reply(_ => reply));

    /// <summary>Fails every held request, and every later one the script picks, with <paramref name="error"/>.</summary>
    /// <param name="error">The application error.</param>
    /// <exception cref="InvalidOperationException">The hold was already released.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void Fail(TErr error) => Release(ScriptedAnswer<TReq, TReply, TErr>.Fail(error));

    /// <summary>Gives every held request, and every later one the script picks, up without an answer (<see cref="UmpErrorKind.NoReply"/>).</summary>
    /// <exception cref="InvalidOperationException">The hold was already released.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void NoReply() => Release(ScriptedAnswer<TReq, TReply, TErr>.NoReply);

    /// <summary>Ends every held request, and every later one the script picks, with <see cref="UmpErrorKind.ServerDisappeared"/>.</summary>
    /// <exception cref="InvalidOperationException">The hold was already released.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void ServerDisappeared() => Release(ScriptedAnswer<TReq, TReply, TErr>.ServerDisappeared);

    internal void Take(TReq request, ReplyContext<TReply, TErr> reply)
    {
        ScriptedAnswer<TReq, TReply, TErr>? release;
        bool aborted;
        lock (_gate)
        {
            release = _release;
            aborted = _aborted;
            if (release is null && !aborted)
            {
                _held.Add((request, reply));
            }
        }

        _first.TrySetResult(request);
        if (aborted)
        {
            reply.Abort();
        }
        else
        {
            release?.Apply(request, reply);
        }
    }

    /// <summary>The fake server is being disposed: its held requests end as if the server had shut down.</summary>
    internal void Abort()
    {
        (TReq Request, ReplyContext<TReply, TErr> Reply)[] held;
        lock (_gate)
        {
            _aborted = true;
            held = [.. _held];
            _held.Clear();
        }

        foreach (var (_, reply) in held)
        {
            reply.Abort();
        }

        if (_first.TrySetException(FakeUmpServer<TReq, TReply, TErr>.CreateDisposed()))
        {
            // Observed here: a hold nobody waited on must not raise UnobservedTaskException later.
            _ = _first.Task.Exception;
        }
    }

    private void Release(ScriptedAnswer<TReq, TReply, TErr> answer)
    {
        // Stryker disable once Statement : equivalent; a disposed fake has aborted its holds, and the check of _aborted below throws the same (a Release racing the dispose may go either way).
        _owner.ThrowIfDisposed();
        (TReq Request, ReplyContext<TReply, TErr> Reply)[] held;
        lock (_gate)
        {
            if (_aborted)
            {
                throw FakeUmpServer<TReq, TReply, TErr>.CreateDisposed();
            }

            if (_release is not null)
            {
                throw new InvalidOperationException("This hold was already released; each hold is released once. Script another hold with OnNext(...).Hold() for later requests.");
            }

            _release = answer;
            held = [.. _held];
            _held.Clear();
        }

        foreach (var (request, reply) in held)
        {
            answer.Apply(request, reply);
        }
    }
}
