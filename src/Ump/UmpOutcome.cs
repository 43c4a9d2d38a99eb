namespace Ump;

/// <summary>How one request ended, as a <see cref="UmpChannelObserver"/> sees it.</summary>
public enum UmpOutcome
{
    /// <summary>The server replied.</summary>
    Reply,

    /// <summary>The server failed the request with an application error.</summary>
    AppError,

    /// <summary>The server took the request and gave it up without an answer (disposed, abandoned or collected context).</summary>
    NoReply,

    /// <summary>The server was disposed, or shut down, before it answered.</summary>
    ServerDisappeared,

    /// <summary>The caller gave up: its token fired, or it disposed its <see cref="WaitReply{TReply, TErr}"/>.</summary>
    Canceled,

    /// <summary>The caller gave up because the channel's request timeout passed.</summary>
    Timeout,
}
