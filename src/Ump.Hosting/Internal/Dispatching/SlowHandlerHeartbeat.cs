using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Internal.Dispatching;

/// <summary>
/// One timer per server for the slow-handler watch, whatever <see cref="UmpServerOptions.MaxConcurrency"/> is: it walks
/// the running requests and reports each call once when it passes the threshold, while it still runs.
/// </summary>
/// <remarks>
/// The timer is armed only when a call starts while it is idle, and each tick re-arms it for the next call still to
/// reach the threshold, so a busy server pays one timer change per threshold period, not two per call. A call that
/// starts while the timer is armed needs nothing: it reaches the threshold after every call already watched.
/// </remarks>
internal sealed class SlowHandlerHeartbeat<TReply, TErr> : IDisposable
{
    private static readonly TimerCallback s_tick = static state => ((SlowHandlerHeartbeat<TReply, TErr>)state!).Tick();

    private readonly Lock _lock;
    private readonly RunningRequests<TReply, TErr> _running;
    private readonly UmpServerDiagnostics _diagnostics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _threshold;
    private readonly ITimer _timer;

    // Guarded by _lock.
    private bool _armed;
    private bool _disposed;

    /// <param name="dispatcherLock">The dispatcher's lock, which guards <paramref name="running"/>.</param>
    /// <param name="running">The running requests.</param>
    /// <param name="diagnostics">Where slow calls are reported.</param>
    /// <param name="threshold">How long a call may run before it is slow.</param>
    public SlowHandlerHeartbeat(Lock dispatcherLock, RunningRequests<TReply, TErr> running, UmpServerDiagnostics diagnostics, TimeSpan threshold)
    {
        _lock = dispatcherLock;
        _running = running;
        _diagnostics = diagnostics;
        _time = diagnostics.TimeProvider;
        _threshold = threshold;
        _timer = _time.CreateTimer(s_tick, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A call was added to the running requests; the dispatcher's lock is held.</summary>
    public void CallStarted()
    {
        if (!_armed && !_disposed)
        {
            _armed = true;
            _timer.Change(_threshold, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    private void Tick()
    {
        List<long>? slow = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            slow = [];
            var next = _running.CollectSlow(_time, _time.GetTimestamp(), _threshold, slow);
            _armed = next is not null;
            if (next is { } due)
            {
                _timer.Change(due, Timeout.InfiniteTimeSpan);
            }
        }

        // Reported outside the lock: logging may be slow.
        foreach (var started in slow)
        {
            _diagnostics.HandlerSlow(started, _threshold);
        }
    }
}
