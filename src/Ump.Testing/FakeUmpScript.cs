using Ump.Testing.Internal;

namespace Ump.Testing;

/// <summary>
/// What a <see cref="FakeUmpServer{TReq, TReply, TErr}"/> does with the requests picked by
/// <see cref="FakeUmpServer{TReq, TReply, TErr}.OnNext"/> or <see cref="FakeUmpServer{TReq, TReply, TErr}.On"/>: call exactly
/// one of its methods. The script takes effect when that method is called.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
public sealed class FakeUmpScript<TReq, TReply, TErr>
{
    private readonly FakeUmpServer<TReq, TReply, TErr> _owner;
    private readonly Func<TReq, bool>? _predicate;
    private readonly int? _count;
    private int _used;

    internal FakeUmpScript(FakeUmpServer<TReq, TReply, TErr> owner, Func<TReq, bool>? predicate, int? count)
    {
        _owner = owner;
        _predicate = predicate;
        _count = count;
    }

    /// <summary>Answers the picked requests with <paramref name="reply"/>.</summary>
    /// <param name="reply">The reply every picked request gets.</param>
    /// <exception cref="InvalidOperationException">This script already has its outcome.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void Reply(TReply reply) => Add(ScriptedAnswer<TReq, TReply, TErr>.Reply(_ => reply));

    /// <summary>Answers each picked request with the reply <paramref name="reply"/> computes from it.</summary>
    /// <param name="reply">Computes the reply from the request; if it throws, the caller gets <see cref="UmpErrorKind.NoReply"/> with that exception inside.</param>
    /// <exception cref="InvalidOperationException">This script already has its outcome.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void Reply(Func<TReq, TReply> reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        Add(ScriptedAnswer<TReq, TReply, TErr>.Reply(reply));
    }

    /// <summary>Fails the picked requests with <paramref name="error"/>: the callers get <see cref="UmpException{TErr}"/>.</summary>
    /// <param name="error">The application error.</param>
    /// <exception cref="InvalidOperationException">This script already has its outcome.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void Fail(TErr error) => Add(ScriptedAnswer<TReq, TReply, TErr>.Fail(error));

    /// <summary>Gives the picked requests up without an answer: the callers get <see cref="UmpException"/> of kind <see cref="UmpErrorKind.NoReply"/>.</summary>
    /// <exception cref="InvalidOperationException">This script already has its outcome.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void NoReply() => Add(ScriptedAnswer<TReq, TReply, TErr>.NoReply);

    /// <summary>Ends the picked requests as a server shutting down would: the callers get <see cref="UmpException"/> of kind <see cref="UmpErrorKind.ServerDisappeared"/>.</summary>
    /// <exception cref="InvalidOperationException">This script already has its outcome.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public void ServerDisappeared() => Add(ScriptedAnswer<TReq, TReply, TErr>.ServerDisappeared);

    /// <summary>
    /// Holds the picked requests unanswered until the test releases them through the returned hold, for testing what the
    /// code under test does while it waits (its own timeouts and cancellation, concurrent calls).
    /// </summary>
    /// <returns>The hold: wait for a held request, then release every held request with one outcome.</returns>
    /// <exception cref="InvalidOperationException">This script already has its outcome.</exception>
    /// <exception cref="ObjectDisposedException">The fake server has been disposed.</exception>
    public FakeUmpHold<TReq, TReply, TErr> Hold()
    {
        var hold = new FakeUmpHold<TReq, TReply, TErr>(_owner);
        Claim();
        _owner.AddScript(new Script<TReq, TReply, TErr>(_predicate, _count) { Hold = hold });
        return hold;
    }

    private void Add(ScriptedAnswer<TReq, TReply, TErr> answer)
    {
        Claim();
        _owner.AddScript(new Script<TReq, TReply, TErr>(_predicate, _count) { Answer = answer });
    }

    private void Claim()
    {
        if (Interlocked.Exchange(ref _used, 1) == 1)
        {
            throw new InvalidOperationException("This script already has its outcome. Call OnNext or On again to script another one.");
        }
    }
}
