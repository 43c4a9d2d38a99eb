using System.Diagnostics;
using Ump.Hosting.Internal;
using Ump.Hosting.Internal.Dispatching;

namespace Ump.Hosting;

/// <summary>The stop: stop accepting, drain until the deadline or the stop's token, then abort what is left.</summary>
public sealed partial class UmpDispatcher<TReq, TReply, TErr>
{
    /// <summary>
    /// Stops: from now on requests fail with <see cref="UmpErrorKind.ServerDisappeared"/>; queued and running ones finish until
    /// <see cref="UmpServerOptions.ShutdownTimeout"/> or until <paramref name="cancellationToken"/> fires, and what is left is
    /// then aborted (see the remarks of <see cref="UmpDispatcher{TReq, TReply, TErr}"/>). Idempotent: a second call waits for
    /// the same drain, and its token can cut it short too.
    /// </summary>
    /// <param name="cancellationToken">Ends the drain early (the stop is no longer graceful).</param>
    /// <returns>A task that completes when the dispatcher has stopped; it does not wait for handlers that ignore their token.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        bool began, notStarted;
        int queued = 0, running = 0;
        lock (_lock)
        {
            notStarted = _state == DispatcherState.NotStarted;
            began = _state == DispatcherState.Running;
            if (notStarted)
            {
                _state = DispatcherState.Stopped;
            }
            else if (began)
            {
                _state = DispatcherState.Draining;
                _diagnostics.BeginDrain();
                queued = _server.Count;
                running = _running.Count;
                if (_shutdownTimeout > TimeSpan.Zero)
                {
                    _deadline = _diagnostics.TimeProvider.CreateTimer(static s => ((UmpDispatcher<TReq, TReply, TErr>)s!).Abort(), this, _shutdownTimeout, Timeout.InfiniteTimeSpan);
                }
            }
        }

        if (notStarted)
        {
            // No loop will drain: queued callers get ServerDisappeared.
            _server.Dispose();
            _stopped.TrySetResult();
            _completion.TrySetResult();
        }
        else if (began)
        {
            Log.DrainStarted(_diagnostics.Logger, DisplayName, queued, running, _shutdownTimeout);
            _server.Complete();
            if (_shutdownTimeout <= TimeSpan.Zero)
            {
                Abort();
            }
        }

        if (cancellationToken.CanBeCanceled && !_stopped.Task.IsCompleted)
        {
            // Registered outside the lock: a token that has already fired runs the callback right here.
            var registration = cancellationToken.UnsafeRegister(static s => ((UmpDispatcher<TReq, TReply, TErr>)s!).OnStopTokenFired(), this);
            lock (_lock)
            {
                (_stopTokens ??= []).Add(registration);
            }
        }

        return _stopped.Task;
    }

    private void OnStopTokenFired()
    {
        if (_state == DispatcherState.Draining)
        {
            Log.HostShutdownTimeoutEndedDrain(_diagnostics.Logger, DisplayName, _shutdownTimeout);
        }

        Abort();
    }

    /// <summary>
    /// The stop is over once the loop has taken the last request and the last handler returned; call <see cref="Finished"/>
    /// after releasing the lock when this returns true.
    /// </summary>
    private bool TryFinishLocked(out bool drained)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        drained = _state == DispatcherState.Draining;
        if (!_loopEnded || _running.Count > 0 || _state is not (DispatcherState.Draining or DispatcherState.Aborted))
        {
            return false;
        }

        _state = DispatcherState.Stopped;
        _deadline?.Dispose();
        DisposeStopTokensLocked();
        return true;
    }

    private void Finished(bool drained)
    {
        if (drained)
        {
            // Before the stop completes, so the record exists by the time the stop's caller looks.
            var (answered, givenUp, unanswered) = _diagnostics.DrainOutcomes();
            Log.DrainCompleted(_diagnostics.Logger, DisplayName, answered, givenUp, unanswered);
        }

        _stopped.TrySetResult();
        _completion.TrySetResult();
    }

    private void DisposeStopTokensLocked()
    {
        // Unregister only: a registration's Dispose would wait for a callback running now, which needs this lock.
        foreach (var registration in _stopTokens ?? [])
        {
            registration.Unregister();
        }

        _stopTokens = null;
    }

    /// <summary>The drain deadline (or a stop cut short): waiting callers get ServerDisappeared, then the handlers' tokens fire.</summary>
    private void Abort() => Abort(force: false);

    private void Abort(bool force)
    {
        ReplyContext<TReply, TErr>[] running;
        lock (_lock)
        {
            if (_state != DispatcherState.Draining && !force)
            {
                return;
            }

            if (_state == DispatcherState.Draining)
            {
                _state = DispatcherState.Aborted;
            }

            _deadline?.Dispose();
            running = _running.AbortAll();
            DisposeStopTokensLocked();
        }

        var queued = _server.Count;
        _server.Dispose();
        var stillRunning = 0;
        foreach (var reply in running)
        {
            stillRunning += reply.Abort() ? 1 : 0;
        }

        if (queued > 0 || stillRunning > 0)
        {
            Log.DrainDeadlinePassed(_diagnostics.Logger, DisplayName, queued, stillRunning);
        }

        // Only now, with every waiting caller answered, do the handlers' tokens fire.
        try
        {
            _aborted.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.DeadlineCallbackFailed(_diagnostics.Logger, DisplayName, ex);
        }

        _stopped.TrySetResult();
        _completion.TrySetResult();
    }
}
