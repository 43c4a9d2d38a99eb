namespace Ump.Testing;

/// <summary>How a handler dealt with one request, as <see cref="UmpHandlerOutcome{TReply, TErr}.Kind"/> reports it.</summary>
public enum UmpHandlerOutcomeKind
{
    /// <summary>The handler answered with <see cref="ReplyContext{TReply, TErr}.Reply"/>: the caller gets the reply.</summary>
    Replied,

    /// <summary>The handler answered with <see cref="ReplyContext{TReply, TErr}.Fail"/>: the caller gets <see cref="UmpException{TErr}"/>.</summary>
    Failed,

    /// <summary>
    /// The handler gave the request up without an answer: it disposed or abandoned the reply context, or returned without
    /// answering and left no reference to it. The caller gets <see cref="UmpException"/> (<see cref="UmpErrorKind.NoReply"/>,
    /// or <see cref="UmpErrorKind.ServerDisappeared"/> for an aborted context).
    /// </summary>
    NoReply,

    /// <summary>The handler threw: a hosted server would log it and give the caller <see cref="UmpErrorKind.NoReply"/>.</summary>
    Threw,

    /// <summary>The run was canceled before the handler answered, and the handler then ended (by returning or by throwing <see cref="OperationCanceledException"/>).</summary>
    Canceled,

    /// <summary>
    /// The handler returned without answering but the reply context is still referenced (handed to other code that will
    /// answer later): wait for the deferred answer with <see cref="UmpHandlerRun{TReq, TReply, TErr}.WaitForOutcomeAsync"/>.
    /// </summary>
    Pending,
}
