using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Ump.Hosting.Internal.Telemetry;

/// <summary>
/// The telemetry of one server, as verbs: the core channel's observer (a request sent, its outcome, a collected
/// context) and what the dispatcher reports around each handler call (<see cref="HandlerStarting"/>,
/// <see cref="HandlerEnded"/>, <see cref="HandlerSlow"/>). It decides whether anyone listens and hides the instruments.
/// </summary>
/// <remarks>
/// Costs on the send path: with no listener on the <c>Ump</c> activity source and none on the histograms measured from
/// the send, <see cref="OnRequestSent"/> returns <see langword="null"/> and allocates nothing; otherwise it allocates one
/// <see cref="UmpRequestState"/>. The clock is read only when an instrument or the slow-handler watch needs it.
/// </remarks>
internal sealed class UmpServerDiagnostics : UmpChannelObserver
{
    /// <summary>The <c>Ump</c> activity source, shared by every server in the process (activity sources are not per container).</summary>
    public static readonly ActivitySource ActivitySource = new(UmpTelemetry.ActivitySourceName);

    private readonly UmpMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogLevel _appErrorLevel;
    private readonly KeyValuePair<string, object?>[] _activityTags;
    private readonly bool _alwaysTimeHandlers;
    private Func<int> _queueLength = static () => 0;
    private int _activeHandlers;

    // Outcomes counted only while a drain runs (see BeginDrain), so a steady server pays one volatile read per outcome.
    private volatile bool _countingDrain;
    private int _drainAnswered;
    private int _drainGivenUp;
    private int _drainUnanswered;

    /// <param name="displayName">The server's name in logs and tags.</param>
    /// <param name="requestType">The request type.</param>
    /// <param name="timeProvider">The clock of every measurement.</param>
    /// <param name="metrics">The container's instruments.</param>
    /// <param name="logger">The server's logger.</param>
    /// <param name="appErrorLevel">The level of a <c>Fail</c> record.</param>
    /// <param name="timeHandlers">Whether every handler call needs its start time (the slow-handler watch is on).</param>
    public UmpServerDiagnostics(string displayName, Type requestType, TimeProvider timeProvider, UmpMetrics metrics, ILogger logger, LogLevel appErrorLevel, bool timeHandlers)
    {
        DisplayName = displayName;
        RequestType = requestType.ToString();
        _time = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _appErrorLevel = appErrorLevel;
        _alwaysTimeHandlers = timeHandlers;
        ServerTag = new(UmpTelemetryTags.ServerName, displayName);
        _activityTags = [ServerTag, new(UmpTelemetryTags.RequestType, RequestType)];
    }

    /// <summary>Gets the server's name in logs and tags: <c>(unnamed)</c> for the unnamed server.</summary>
    public string DisplayName { get; }

    /// <summary>Gets the request type, as logs and the activity name it.</summary>
    public string RequestType { get; }

    /// <summary>Gets the <c>ump.server.name</c> tag of this server.</summary>
    public KeyValuePair<string, object?> ServerTag { get; }

    /// <summary>Gets the number of handler calls running now.</summary>
    public int ActiveHandlers => Volatile.Read(ref _activeHandlers);

    /// <summary>Gets the number of requests waiting in the server's queue.</summary>
    public int QueueLength => _queueLength();

    public TimeProvider TimeProvider => _time;

    public ILogger Logger => _logger;

    /// <summary>Tells the gauges where the queue is; the channel is created after its observer.</summary>
    public void ObserveQueue(Func<int> queueLength) => _queueLength = queueLength;

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
        if (_countingDrain)
        {
            CountDrainOutcome(outcome);
        }

        if (_metrics.Requests is { Enabled: true } || state is not null)
        {
            var outcomeTag = new KeyValuePair<string, object?>(UmpTelemetryTags.Outcome, UmpTelemetryTags.OutcomeValue(outcome));
            if (outcome == UmpOutcome.Reply)
            {
                _metrics.Requests?.Add(1, ServerTag, outcomeTag);
            }
            else
            {
                _metrics.Requests?.Add(1, ServerTag, outcomeTag, ErrorTypeTag(outcome));
            }

            if (state is UmpRequestState request)
            {
                request.SetOutcome(outcome);
                var elapsed = _time.GetElapsedTime(request.SentTimestamp).TotalSeconds;
                if (outcome == UmpOutcome.Reply)
                {
                    _metrics.RequestDuration?.Record(elapsed, ServerTag, outcomeTag);
                }
                else
                {
                    _metrics.RequestDuration?.Record(elapsed, ServerTag, outcomeTag, ErrorTypeTag(outcome));
                }
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
    /// A handler call is about to start: counts it as running, records its queue wait and, when the activity source has
    /// listeners, starts <c>ump.handle</c> (kind Server, a child of the caller's activity, and <see cref="Activity.Current"/>).
    /// </summary>
    public HandlerCall HandlerStarting(UmpRequestState? request)
    {
        Interlocked.Increment(ref _activeHandlers);
        var queueWait = request is null ? null : _metrics.QueueWaitTime;
        var started = _alwaysTimeHandlers || _metrics.HandlerDuration is { Enabled: true } || queueWait is { Enabled: true } ? _time.GetTimestamp() : 0;
        if (queueWait is { Enabled: true })
        {
            queueWait.Record(_time.GetElapsedTime(request!.SentTimestamp, started).TotalSeconds, ServerTag);
        }

        var activity = ActivitySource.HasListeners()
            ? ActivitySource.StartActivity(UmpTelemetryNames.HandleActivity, ActivityKind.Server, request?.Parent ?? default, _activityTags)
            : null;
        return new HandlerCall(started, request, activity);
    }

    /// <summary>The handler returned (or threw): records its time, and tags and stops its activity.</summary>
    public void HandlerEnded(in HandlerCall call, Exception? failure)
    {
        if (call.Started != 0 && _metrics.HandlerDuration is { Enabled: true } handlerDuration)
        {
            handlerDuration.Record(_time.GetElapsedTime(call.Started).TotalSeconds, ServerTag);
        }

        Interlocked.Decrement(ref _activeHandlers);
        if (call.Activity is not { } activity)
        {
            return;
        }

        var outcome = call.Request?.Outcome;
        if (outcome is { } known)
        {
            activity.SetTag(UmpTelemetryTags.Outcome, UmpTelemetryTags.OutcomeValue(known));
        }

        if (failure is not null)
        {
            activity.SetTag(UmpTelemetryTags.ErrorType, failure.GetType().FullName);
            activity.AddException(failure);
            activity.SetStatus(ActivityStatusCode.Error, failure.Message);
        }
        else if (outcome is { } failed && failed != UmpOutcome.Reply)
        {
            activity.SetTag(UmpTelemetryTags.ErrorType, UmpTelemetryTags.OutcomeValue(failed));
            if (failed is UmpOutcome.NoReply or UmpOutcome.ServerDisappeared)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
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

    /// <summary>The drain begins: from now on outcomes are counted, for the record that ends it.</summary>
    public void BeginDrain() => _countingDrain = true;

    /// <summary>What the requests that ended during the drain got.</summary>
    public (int Answered, int GivenUp, int Unanswered) DrainOutcomes() =>
        (Volatile.Read(ref _drainAnswered), Volatile.Read(ref _drainGivenUp), Volatile.Read(ref _drainUnanswered));

    private static KeyValuePair<string, object?> ErrorTypeTag(UmpOutcome outcome) => new(UmpTelemetryTags.ErrorType, UmpTelemetryTags.OutcomeValue(outcome));

    private void CountDrainOutcome(UmpOutcome outcome)
    {
        switch (outcome)
        {
            case UmpOutcome.Reply or UmpOutcome.AppError:
                Interlocked.Increment(ref _drainAnswered);
                break;
            case UmpOutcome.Canceled or UmpOutcome.Timeout:
                Interlocked.Increment(ref _drainGivenUp);
                break;
            default:
                Interlocked.Increment(ref _drainUnanswered);
                break;
        }
    }
}

/// <summary>What <see cref="UmpServerDiagnostics.HandlerStarting"/> returns for one handler call, handed back when it ends.</summary>
/// <param name="Started">The start timestamp; 0 when nothing needed the clock.</param>
/// <param name="Request">What the observer kept with the request at its send; <see langword="null"/> when nobody listened.</param>
/// <param name="Activity">The call's <c>ump.handle</c> activity; <see langword="null"/> when not sampled.</param>
internal readonly record struct HandlerCall(long Started, UmpRequestState? Request, Activity? Activity);
