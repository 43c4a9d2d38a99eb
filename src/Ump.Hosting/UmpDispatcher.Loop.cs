using Ump.Hosting.Internal;
using Ump.Hosting.Internal.Dispatching;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting;

/// <summary>The loop: takes each request and runs its handler call (the lifecycle and the state are in UmpDispatcher.cs).</summary>
public sealed partial class UmpDispatcher<TReq, TReply, TErr>
{
    private async Task RunAsync()
    {
        using var scope = Log.BeginServerScope(_diagnostics.Logger, DisplayName);
        try
        {
            while (true)
            {
                if (_slots is not null && !await TryTakeSlotAsync().ConfigureAwait(false))
                {
                    break;
                }

                TReq request;
                ReplyContext<TReply, TErr> reply;
                try
                {
                    // Awaited in this one state machine, so taking a request allocates nothing.
                    (request, reply) = await _server.WaitAsync().ConfigureAwait(false);
                }
                catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
                {
                    // Completed and empty: no more requests will arrive.
                    _slots?.Release();
                    break;
                }
                catch (ObjectDisposedException) when (_state >= DispatcherState.Aborted)
                {
                    // The abort disposed the server while this wait began.
                    _slots?.Release();
                    break;
                }

                if (_slots is null)
                {
                    await HandleAsync(request, reply).ConfigureAwait(false);
                }
                else
                {
                    Dispatch(request, reply);
                }

                // Keep no reference to a context once it is handed on: these locals live in the loop's state machine.
                request = default!;
                reply = default;
            }
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_diagnostics.Logger, DisplayName, ex);
            lock (_lock)
            {
                _state = DispatcherState.Faulted;
            }

            // Faulted first: the abort below would otherwise complete it.
            _completion.TrySetException(ex);
            Abort(force: true);
            return;
        }

        bool finished, drained;
        lock (_lock)
        {
            _loopEnded = true;
            finished = TryFinishLocked(out drained);
        }

        if (finished)
        {
            Finished(drained);
        }
    }

    /// <summary>Whether the drain deadline answered this running request's caller.</summary>
    private bool IsAborted(long id)
    {
        lock (_lock)
        {
            return _state >= DispatcherState.Aborted && _running.IsAborted(id);
        }
    }

    private async ValueTask<bool> TryTakeSlotAsync()
    {
        try
        {
            // Stryker disable once Boolean : equivalent; the loop only ever continues from the server's wait and the semaphore's, which both complete on the thread pool, so no user context or scheduler is current here.
            await _slots!.WaitAsync(_aborted.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (_aborted.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Runs a handler call on the thread pool; the closure captures this method's copies, not the loop's locals.</summary>
    private void Dispatch(TReq request, ReplyContext<TReply, TErr> reply) => _ = Task.Run(() => HandleAsync(request, reply));

    private async Task HandleAsync(TReq request, ReplyContext<TReply, TErr> reply)
    {
        var aborted = reply.RequestAborted;
        if (aborted.IsCancellationRequested)
        {
            // The caller gave up after the request was taken: it already has its outcome.
            reply.Dispose();
            _slots?.Release();
            return;
        }

        var call = _diagnostics.HandlerStarting(reply.ObserverState as UmpRequestState);
        long id;
        lock (_lock)
        {
            id = _state >= DispatcherState.Aborted ? -1 : _running.Add(reply, call.Started);
            if (id >= 0)
            {
                _heartbeat?.CallStarted();
            }
        }

        if (id < 0)
        {
            reply.Abort();
            _diagnostics.HandlerEnded(call, null);
            // Stryker disable once Statement : equivalent; a call is refused only once the drain is aborted, and after that the loop never takes a slot again (its wait is canceled, or the disposed server ends it).
            _slots?.Release();
            return;
        }

        var token = HandlerOutcomePolicy.HandlerToken(aborted, _aborted.Token, out var linked);
        Exception? failure = null;
        try
        {
            await _activator.InvokeAsync(request, reply, token).ConfigureAwait(false);
            if (reply.IsPending && !IsAborted(id))
            {
                _policy.ReturnedWithoutAnswer();
            }
        }
        catch (Exception ex)
        {
            failure = _policy.Failed(ex, reply, token, abortedByDeadline: IsAborted(id));
        }
        finally
        {
            _diagnostics.HandlerEnded(call, failure);
            linked?.Dispose();
            bool finished, drained;
            lock (_lock)
            {
                _running.Remove(id);
                finished = TryFinishLocked(out drained);
            }

            _slots?.Release();
            if (finished)
            {
                Finished(drained);
            }
        }
    }
}
