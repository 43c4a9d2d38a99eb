using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ump.Hosting.Internal;

/// <summary>Every log record of Ump.Hosting, with fixed event ids and names. Each one names its server.</summary>
internal static partial class Log
{
    /// <summary>The logger category of every hosted server's records.</summary>
    public const string Category = "Ump.Hosting.UmpServer";

    private const string Server = "Ump server '{ServerName}'";

    private static readonly Func<ILogger, string, IDisposable?> s_serverScope = LoggerMessage.DefineScope<string>("UmpServer:{ServerName}");

    /// <summary>The logger every hosted server writes to; a null logger when the container has no logging.</summary>
    public static ILogger CreateLogger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger(Category) ?? NullLogger.Instance;

    /// <summary>A scope that names the server in every record written inside it, the handlers' own included.</summary>
    public static IDisposable? BeginServerScope(ILogger logger, string serverName) => s_serverScope(logger, serverName);

    [LoggerMessage(EventId = 1, EventName = "ServerStarted", Level = LogLevel.Debug,
        Message = Server + " started: handler {HandlerType}, MaxConcurrency {MaxConcurrency}, HandlerLifetime {HandlerLifetime}.")]
    public static partial void ServerStarted(ILogger logger, string serverName, string handlerType, int maxConcurrency, ServiceLifetime handlerLifetime);

    [LoggerMessage(EventId = 2, EventName = "HandlerFailed",
        Message = Server + ": the handler threw handling a {RequestType}; the caller gets NoReply with the exception.")]
    public static partial void HandlerFailed(ILogger logger, LogLevel level, string serverName, string requestType, Exception exception);

    [LoggerMessage(EventId = 3, EventName = "HandlerReturnedWithoutReply", Level = LogLevel.Debug,
        Message = Server + ": the handler returned without answering a {RequestType}. A context handed to other code may still be answered; one nobody holds gives its caller NoReply when collected (logged at Warning then).")]
    public static partial void HandlerReturnedWithoutReply(ILogger logger, string serverName, string requestType);

    [LoggerMessage(EventId = 4, EventName = "SlowHandler", Level = LogLevel.Warning,
        Message = Server + ": the handler has been running for {ElapsedMilliseconds} ms on a {RequestType} (SlowHandlerThreshold {ThresholdMilliseconds} ms).")]
    public static partial void SlowHandler(ILogger logger, string serverName, string requestType, double elapsedMilliseconds, double thresholdMilliseconds);

    [LoggerMessage(EventId = 5, EventName = "HandlerCanceled", Level = LogLevel.Debug,
        Message = Server + ": the handler stopped on its token handling a {RequestType}.")]
    public static partial void HandlerCanceled(ILogger logger, string serverName, string requestType);

    [LoggerMessage(EventId = 6, EventName = "DrainStarted", Level = LogLevel.Information,
        Message = Server + " is stopping: no new requests; draining {QueuedCount} queued and {RunningCount} running requests for up to {ShutdownTimeout}.")]
    public static partial void DrainStarted(ILogger logger, string serverName, int queuedCount, int runningCount, TimeSpan shutdownTimeout);

    [LoggerMessage(EventId = 7, EventName = "DrainCompleted", Level = LogLevel.Information,
        Message = Server + " stopped: during the drain {AnsweredCount} requests were answered, {GivenUpCount} were given up by their callers (canceled or timed out) and {UnansweredCount} got no answer (NoReply or ServerDisappeared).")]
    public static partial void DrainCompleted(ILogger logger, string serverName, int answeredCount, int givenUpCount, int unansweredCount);

    [LoggerMessage(EventId = 8, EventName = "DrainDeadlinePassed", Level = LogLevel.Warning,
        Message = Server + ": the drain ended before every request finished; {QueuedCount} queued and {RunningCount} running requests get ServerDisappeared and the handlers' tokens fire.")]
    public static partial void DrainDeadlinePassed(ILogger logger, string serverName, int queuedCount, int runningCount);

    [LoggerMessage(EventId = 9, EventName = "HostShutdownTimeoutEndedDrain", Level = LogLevel.Warning,
        Message = Server + ": the host's shutdown timeout passed before the server's ShutdownTimeout ({ShutdownTimeout}); the drain ends now. Set HostOptions.ShutdownTimeout above the servers' ShutdownTimeout.")]
    public static partial void HostShutdownTimeoutEndedDrain(ILogger logger, string serverName, TimeSpan shutdownTimeout);

    [LoggerMessage(EventId = 11, EventName = "HandlerFailedAfterDeadline", Level = LogLevel.Debug,
        Message = Server + ": a handler that outlived the drain deadline threw handling a {RequestType}; its caller already got ServerDisappeared.")]
    public static partial void HandlerFailedAfterDeadline(ILogger logger, string serverName, string requestType, Exception exception);

    [LoggerMessage(EventId = 12, EventName = "StartFailed", Level = LogLevel.Critical,
        Message = Server + " failed to start: its handler {HandlerType} cannot be created.")]
    public static partial void StartFailed(ILogger logger, string serverName, string handlerType, Exception exception);

    [LoggerMessage(EventId = 13, EventName = "LoopFailed", Level = LogLevel.Critical,
        Message = Server + ": the dispatch loop failed; waiting callers get ServerDisappeared.")]
    public static partial void LoopFailed(ILogger logger, string serverName, Exception exception);

    [LoggerMessage(EventId = 14, EventName = "DeadlineCallbackFailed", Level = LogLevel.Error,
        Message = Server + ": a callback registered on a handler's token threw when the drain deadline passed.")]
    public static partial void DeadlineCallbackFailed(ILogger logger, string serverName, Exception exception);

    [LoggerMessage(EventId = 15, EventName = "RequestFailed",
        Message = Server + ": a {RequestType} failed with an application error (Fail).")]
    public static partial void RequestFailed(ILogger logger, LogLevel level, string serverName, string requestType);

    [LoggerMessage(EventId = 17, EventName = "HandlerFailedAfterOutcome",
        Message = Server + ": the handler threw handling a {RequestType} after the request already had its outcome (it was answered, or its caller gave up); that outcome stands.")]
    public static partial void HandlerFailedAfterOutcome(ILogger logger, LogLevel level, string serverName, string requestType, Exception exception);

    [LoggerMessage(EventId = 16, EventName = "ReplyContextCollected", Level = LogLevel.Warning,
        Message = Server + ": the reply context of a {RequestType} was garbage-collected unanswered (the handler returned without replying and nothing kept the context); the caller gets NoReply.")]
    public static partial void ReplyContextCollected(ILogger logger, string serverName, string requestType);
}
