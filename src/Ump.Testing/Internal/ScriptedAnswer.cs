namespace Ump.Testing.Internal;

/// <summary>One outcome a script gives its requests: a reply (fixed or computed), an application error, no reply, or a vanished server.</summary>
internal sealed class ScriptedAnswer<TReq, TReply, TErr>
{
    private readonly Func<TReq, TReply>? _reply;
    private readonly TErr? _error;
    private readonly UmpErrorKind _kind;

    private ScriptedAnswer(UmpErrorKind kind, Func<TReq, TReply>? reply, TErr? error)
    {
        _kind = kind;
        _reply = reply;
        _error = error;
    }

    public static ScriptedAnswer<TReq, TReply, TErr> Reply(Func<TReq, TReply> reply) => new(UmpErrorKind.App, reply, default);

    public static ScriptedAnswer<TReq, TReply, TErr> Fail(TErr error) => new(UmpErrorKind.App, null, error);

    public static ScriptedAnswer<TReq, TReply, TErr> NoReply { get; } = new(UmpErrorKind.NoReply, null, default);

    public static ScriptedAnswer<TReq, TReply, TErr> ServerDisappeared { get; } = new(UmpErrorKind.ServerDisappeared, null, default);

    /// <summary>Answers <paramref name="reply"/>; a caller that already gave up is no concern of the script.</summary>
    public void Apply(TReq request, ReplyContext<TReply, TErr> reply)
    {
        switch (_kind)
        {
            case UmpErrorKind.App when _reply is not null:
                TReply value;
                try
                {
                    value = _reply(request);
                }
                catch (Exception ex)
                {
                    reply.Abandon(ex);
                    return;
                }

                reply.Reply(value);
                break;
            case UmpErrorKind.App:
                reply.Fail(_error!);
                break;
            case UmpErrorKind.NoReply:
                reply.Dispose();
                break;
            default:
                reply.Abandon(UmpErrorKind.ServerDisappeared, null);
                break;
        }
    }
}
