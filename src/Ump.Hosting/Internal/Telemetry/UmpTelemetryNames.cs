namespace Ump.Hosting.Internal.Telemetry;

/// <summary>Instrument and activity names, their units and descriptions: named once, here.</summary>
internal static class UmpTelemetryNames
{
    public const string Requests = "ump.server.requests";
    public const string RequestsDescription = "Requests that reached an outcome, by server and outcome.";

    public const string RequestDuration = "ump.server.request.duration";
    public const string RequestDurationDescription = "Time from the send to the request's outcome (queue wait and handling).";

    public const string QueueWaitTime = "ump.server.queue.wait_time";
    public const string QueueWaitTimeDescription = "Time a request waited in the queue, from the send until the dispatcher took it.";

    public const string HandlerDuration = "ump.server.handler.duration";
    public const string HandlerDurationDescription = "Time a handler's HandleAsync call took, from its start until it returned or threw.";

    public const string QueueLength = "ump.server.queue.length";
    public const string QueueLengthDescription = "Requests waiting in the server's queue.";

    public const string ActiveHandlers = "ump.server.active_handlers";
    public const string ActiveHandlersDescription = "HandleAsync calls running now.";

    public const string SlowHandlers = "ump.server.slow_handlers";
    public const string SlowHandlersDescription = "Handler calls that ran past the server's SlowHandlerThreshold.";

    public const string SecondsUnit = "s";
    public const string RequestsUnit = "{request}";
    public const string HandlersUnit = "{handler}";

    /// <summary>The activity a handler runs inside.</summary>
    public const string HandleActivity = "ump.handle";
}

/// <summary>Tag keys and the values of <see cref="Outcome"/>.</summary>
internal static class UmpTelemetryTags
{
    public const string ServerName = "ump.server.name";
    public const string RequestType = "ump.request.type";
    public const string Outcome = "ump.request.outcome";

    /// <summary>The OpenTelemetry convention's tag for a failure: the outcome, or the exception's full type name.</summary>
    public const string ErrorType = "error.type";

    public const string Reply = "reply";
    public const string AppError = "app_error";
    public const string NoReply = "no_reply";
    public const string ServerDisappeared = "server_disappeared";
    public const string Canceled = "canceled";
    public const string Timeout = "timeout";

    public static string OutcomeValue(UmpOutcome outcome) => outcome switch
    {
        UmpOutcome.Reply => Reply,
        UmpOutcome.AppError => AppError,
        UmpOutcome.NoReply => NoReply,
        UmpOutcome.ServerDisappeared => ServerDisappeared,
        UmpOutcome.Canceled => Canceled,
        _ => Timeout,
    };
}
