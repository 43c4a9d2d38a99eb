using Microsoft.Extensions.Logging;

namespace Ump.Hosting.Internal.Dispatching;

/// <summary>
/// What one handler call may observe and what its failures mean: the handler's token, and the outcome a caller gets when
/// the handler throws (with the record that says so).
/// </summary>
internal sealed class HandlerOutcomePolicy(ILogger logger, string displayName, string requestType, LogLevel exceptionLevel)
{
    /// <summary>
    /// The handler's token: fires when the caller gives up or the dispatcher stops being graceful. A caller that cannot give
    /// up has a token that never fires, and then the dispatcher's token is all the handler needs (no linked source).
    /// </summary>
    public static CancellationToken HandlerToken(CancellationToken requestAborted, CancellationToken dispatcherAborted, out CancellationTokenSource? linked)
    {
        linked = requestAborted.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(requestAborted, dispatcherAborted) : null;
        return linked?.Token ?? dispatcherAborted;
    }

    /// <summary>The handler returned without answering: it deferred the answer, or forgot it; only a context nobody holds is worth a warning, when it is collected.</summary>
    public void ReturnedWithoutAnswer() => Log.HandlerReturnedWithoutReply(logger, displayName, requestType);

    /// <summary>
    /// The handler threw: decides the caller's outcome and writes the one record that says what happened.
    /// Returns the exception to record on the call's activity, or <see langword="null"/> for a cancellation the handler was asked for.
    /// </summary>
    /// <param name="exception">What the handler threw.</param>
    /// <param name="reply">The request's context.</param>
    /// <param name="handlerToken">The token the handler was given.</param>
    /// <param name="abortedByDeadline">The drain deadline answered the caller while the handler ran.</param>
    public Exception? Failed<TReply, TErr>(Exception exception, ReplyContext<TReply, TErr> reply, CancellationToken handlerToken, bool abortedByDeadline)
    {
        var canceled = exception is OperationCanceledException && handlerToken.IsCancellationRequested;
        if (abortedByDeadline)
        {
            Log.HandlerFailedAfterDeadline(logger, displayName, requestType, exception);
            return canceled ? null : exception;
        }

        if (canceled)
        {
            Log.HandlerCanceled(logger, displayName, requestType);
            TryAbandon(reply, exception);
            return null;
        }

        if (!reply.IsPending || reply.RequestAborted.IsCancellationRequested)
        {
            // Answered (a second Reply, say), or its caller left: the caller's outcome stands, and the record says so.
            if (exceptionLevel != LogLevel.None)
            {
                Log.HandlerFailedAfterOutcome(logger, exceptionLevel, displayName, requestType, exception);
            }

            return exception;
        }

        // Logged first, so the record exists by the time the caller sees the exception.
        if (exceptionLevel != LogLevel.None)
        {
            Log.HandlerFailed(logger, exceptionLevel, displayName, requestType, exception);
        }

        TryAbandon(reply, exception);
        return exception;
    }

    private static void TryAbandon<TReply, TErr>(ReplyContext<TReply, TErr> reply, Exception reason)
    {
        try
        {
            reply.Abandon(reason);
        }
        catch (InvalidOperationException)
        {
            // Answered meanwhile by code the handler handed the context to: the first outcome stands.
        }
    }
}
