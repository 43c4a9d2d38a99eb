using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Ump.Hosting.Internal.Telemetry;

/// <summary>
/// The telemetry of one hosted server: the core channel's observer (send, outcome, collected context), and what the
/// dispatcher reports around each handler call (queue wait, handler time, the <c>ump.handle</c> activity, slow handlers).
/// It also holds what the gauges and the health check read: the loop's state, the queue and the running handlers.
/// </summary>
/// <remarks>
/// Costs on the send path: with no listener on the <c>Ump</c> activity source and none on the histograms measured from
/// the send, <see cref="OnRequestSent"/> returns <see langword="null"/> and allocates nothing; otherwise it allocates one
/// <see cref="UmpRequestState"/>.
/// </remarks>
internal sealed class UmpServerMonitor : UmpChannelObserver
{
    /// <summary>The <c>Ump</c> activity source, shared by every server in the process (activity sources are not per container).</summary>
    public static readonly ActivitySource ActivitySource = new(UmpTelemetry.ActivitySourceName);

    private readonly UmpMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogLevel _appErrorLevel;
    private readonly KeyValuePair<string, object?>[] _activityTags;
    private readonly Func<int> _queueLength;
    private int _activeHandlers;
    private int _state;

    public UmpServerMonitor(
        string displayName,
        Type requestType,
        int? capacity,
        TimeProvider timeProvider,
        UmpMetrics metrics,
        ILogger logger,
        LogLevel appErrorLevel,
        Func<int> queueLength)
    {
        DisplayName = displayName;
        RequestType = requestType.ToString();
        Capacity = capacity;
        _time = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _appErrorLevel = appErrorLevel;
        _queueLength = queueLength;
        ServerTag = new(UmpTelemetryTags.ServerName, displayName);
        _activityTags = [ServerTag, new(UmpTelemetryTags.RequestType, RequestType)];
    }

    /// <summary>Gets the server's name in logs and tags: <c>(unnamed)</c> for the unnamed server.</summary>
    public string DisplayName { get; }

    /// <summary>Gets the request type, as logs and the activity name it.</summary>
    public string RequestType { get; }

    /// <summary>Gets the channel's <see cref="UmpServerOptions.Capacity"/>.</summary>
    public int? Capacity { get; }

    /// <summary>Gets the <c>ump.server.name</c> tag of this server.</summary>
    public KeyValuePair<string, object?> ServerTag { get; }

    /// <summary>Gets the number of requests waiting in the core server's queue.</summary>
    public int QueueLength => _queueLength();

    /// <summary>Gets the number of handler calls running now.</summary>
    public int ActiveHandlers => Volatile.Read(ref _activeHandlers);

    /// <summary>Gets or sets the dispatch loop's state; the dispatcher writes it. <see cref="UmpServerState.Faulted"/> is final.</summary>
    public UmpServerState State
    {
        get => (UmpServerState)Volatile.Read(ref _state);
        set
        {
            var current = Volatile.Read(ref _state);
            while (current != (int)UmpServerState.Faulted)
            {
                var seen = Interlocked.CompareExchange(ref _state, (int)value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }

    public override object? OnRequestSent()
    {
        var tracing = ActivitySource.HasListeners();
        if (!tracing && !_metrics.TimesRequests)
        {
            return null;
        }

        return new UmpRequestState(_time.GetTimestamp(), tracing && Activity.Current is { } current ? current.Context : default);
    }

    public override void OnRequestCompleted(object? state, UmpOutcome outcome)
    {
        if (_metrics.Requests is { Enabled: true } || state is not null)
        {
            var outcomeTag = new KeyValuePair<string, object?>(UmpTelemetryTags.Outcome, UmpTelemetryTags.OutcomeValue(outcome));
            _metrics.Requests?.Add(1, ServerTag, outcomeTag);
            if (state is UmpRequestState request)
            {
                request.SetOutcome(outcome);
                _metrics.RequestDuration?.Record(_time.GetElapsedTime(request.SentTimestamp).TotalSeconds, ServerTag, outcomeTag);
            }
        }

        // LogLevel.None turns the record off (some loggers would still take a record at None).
        if (outcome == UmpOutcome.AppError && _appErrorLevel != LogLevel.None)
        {
            try
            {
                Log.RequestFailed(_logger, _appErrorLevel, DisplayName, RequestType);
            }
            catch (ObjectDisposedException)
            {
                // The logging providers were disposed with the host; the outcome stands.
            }
        }
    }

    public override void OnReplyContextCollected(object? state)
    {
        // On the finalizer thread: nothing may escape.
        try
        {
            Log.ReplyContextCollected(_logger, DisplayName, RequestType);
        }
#pragma warning disable CA1031 // An exception here would end the process.
        catch (Exception)
#pragma warning restore CA1031
        {
            // The logging providers were disposed with the host, or failed: the caller still gets NoReply.
        }
    }

    /// <summary>
    /// The dispatcher is about to call a handler: counts it as running, records its queue wait and, when the activity
    /// source has listeners, starts <c>ump.handle</c> (a child of the caller's activity, and <see cref="Activity.Current"/>).
    /// </summary>
    /// <returns>The handler's start time.</returns>
    public long HandlerStarting(UmpRequestState? request, out Activity? activity)
    {
        Interlocked.Increment(ref _activeHandlers);
        var started = _time.GetTimestamp();
        if (request is not null && _metrics.QueueWait is { Enabled: true } queueWait)
        {
            queueWait.Record(_time.GetElapsedTime(request.SentTimestamp, started).TotalSeconds, ServerTag);
        }

        activity = ActivitySource.HasListeners()
            ? ActivitySource.StartActivity(UmpTelemetryNames.HandleActivity, ActivityKind.Consumer, request?.Parent ?? default, _activityTags)
            : null;
        return started;
    }

    /// <summary>The handler returned (or threw): records its time, and tags and stops its activity.</summary>
    public void HandlerEnded(long started, UmpRequestState? request, Activity? activity, Exception? failure)
    {
        // The clock is read only for a listener: a clock read costs as much as the rest of this method.
        if (_metrics.HandlerDuration is { Enabled: true } handlerDuration)
        {
            handlerDuration.Record(_time.GetElapsedTime(started).TotalSeconds, ServerTag);
        }

        Interlocked.Decrement(ref _activeHandlers);
        if (activity is null)
        {
            return;
        }

        if (request?.Outcome is { } outcome)
        {
            activity.SetTag(UmpTelemetryTags.Outcome, UmpTelemetryTags.OutcomeValue(outcome));
        }

        if (failure is not null)
        {
            activity.AddException(failure);
            activity.SetStatus(ActivityStatusCode.Error, failure.Message);
        }

        activity.Stop();
    }

    /// <summary>A handler still runs past the threshold: one warning, and the slow-handler counter.</summary>
    public void HandlerSlow(long started, TimeSpan threshold)
    {
        _metrics.SlowHandlers?.Add(1, ServerTag);
        try
        {
            Log.SlowHandler(_logger, DisplayName, RequestType, _time.GetElapsedTime(started).TotalMilliseconds, threshold.TotalMilliseconds);
        }
        catch (ObjectDisposedException)
        {
            // The logging providers were disposed with the host.
        }
    }
}
