using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Internal;

/// <summary>
/// The dispatch loop of one hosted server: takes each request, resolves the handler, runs up to
/// <see cref="UmpServerOptions.MaxConcurrency"/> handlers at once, and drains on stop.
/// </summary>
/// <remarks>
/// <para>
/// <b>Running.</b> The loop takes a concurrency slot before it takes the next request, so with one slot requests are
/// handled strictly in FIFO order, one at a time (inline, without a thread hop); with more, each handler runs on the
/// thread pool. A handler's token is linked from the request's <see cref="ReplyContext{TReply, TErr}.RequestAborted"/>
/// and the drain deadline. The context is tracked only while its handler runs (so the deadline can answer its caller);
/// once <see cref="IUmpHandler{TReq, TReply, TErr}.HandleAsync"/> returns nothing here refers to it.
/// </para>
/// <para>
/// <b>Stopping.</b> The drain begins in <see cref="StoppingAsync"/>, which the host calls on every lifecycle service before
/// any <see cref="StopAsync"/>, so several servers drain at the same time. It takes every queued request at once and
/// disposes the core server, so later requests fail with <see cref="UmpErrorKind.ServerDisappeared"/> at once; the loop then
/// handles the taken requests as before. When they are all done, or at <see cref="UmpServerOptions.ShutdownTimeout"/>
/// (measured with the <see cref="TimeProvider"/>), the drain ends. At the deadline the callers still waiting (taken but not
/// started, and those of running handlers) get ServerDisappeared first, then the handlers' tokens fire, and
/// <see cref="StopAsync"/> returns without waiting for handlers that ignore their token.
/// </para>
/// <para>
/// <b>Telemetry.</b> Around each handler call the loop reports to the channel's <see cref="UmpServerMonitor"/>: queue
/// wait, handler time, running handlers, the <c>ump.handle</c> activity (a child of the caller's, current inside
/// <see cref="IUmpHandler{TReq, TReply, TErr}.HandleAsync"/>), and a slow-handler timer that fires while the handler runs.
/// The loop's state (<see cref="UmpServerMonitor.State"/>) is what the health check reports.
/// </para>
/// <para>One lock guards the drain state (<see cref="_pending"/>, <see cref="_running"/>, the flags and counters).</para>
/// </remarks>
internal sealed class UmpServerService<TReq, TReply, TErr, THandler> : BackgroundService, IHostedLifecycleService, IAsyncDisposable
    where THandler : class, IUmpHandler<TReq, TReply, TErr>
{
    private static readonly ObjectFactory<THandler> s_handlerFactory = ActivatorUtilities.CreateFactory<THandler>(Type.EmptyTypes);
    private static readonly string s_requestType = typeof(TReq).ToString();
    private static readonly string s_handlerType = typeof(THandler).ToString();

    private readonly string _name;
    private readonly string _displayName;
    private readonly IServiceProvider _services;
    private readonly Lock _lock = new();
    private readonly Dictionary<long, ReplyContext<TReply, TErr>> _running = [];
    private readonly CancellationTokenSource _deadline = new();
    private readonly TaskCompletionSource _drainCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Set in StartAsync.
    private UmpServerChannel<TReq, TReply, TErr>? _channel;
    private ILogger _logger = NullLogger.Instance;
    private IServiceScopeFactory? _scopeFactory;
    private THandler? _singleton;
    private SemaphoreSlim? _slots;
    private TimeSpan _shutdownTimeout;
    private TimeSpan? _slowThreshold;
    private SlowHandlerWatch? _inlineWatch;
    private LogLevel _exceptionLevel;

    // Guarded by _lock.
    private Queue<(TReq Request, ReplyContext<TReply, TErr> Reply)>? _pending;
    private TaskCompletionSource? _idle;
    private long _nextId;

    // The one running context on the one-at-a-time path (no slots), where a dictionary per request would be waste.
    private ReplyContext<TReply, TErr> _inlineRunning;
    private int _active;
    private bool _started;
    private bool _draining;
    private bool _deadlinePassed;
    private bool _drainDone;

    private ITimer? _deadlineTimer;

    public UmpServerService(string name, IServiceProvider services)
    {
        _name = name;
        _displayName = UmpServerOptionsConstants.DisplayName(name);
        _services = services;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _services.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get(_name);
        _logger = Log.CreateLogger(_services);
        _channel = _services.GetRequiredKeyedService<UmpServerChannel<TReq, TReply, TErr>>(_name);
        _scopeFactory = _services.GetRequiredService<IServiceScopeFactory>();
        _shutdownTimeout = options.ShutdownTimeout;
        // A threshold beyond what a timer accepts (about 49.7 days) is never reached: no watchdog.
        _slowThreshold = options.SlowHandlerThreshold is { } slow && slow <= UmpServerOptionsConstants.MaxTimeout ? slow : null;
        _exceptionLevel = options.HandlerExceptionLogLevel;
        if (options.MaxConcurrency > 1)
        {
            _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        }
        else if (_slowThreshold is { } threshold)
        {
            _inlineWatch = new SlowHandlerWatch(_channel.Monitor, _channel.TimeProvider, threshold);
        }

        if (options.HandlerLifetime == ServiceLifetime.Singleton)
        {
            try
            {
                _singleton = s_handlerFactory(_services, null);
            }
            catch (Exception ex)
            {
                Log.StartFailed(_logger, _displayName, s_handlerType, ex);
                _channel.Monitor.State = UmpServerState.Faulted;
                throw;
            }
        }

        Log.ServerStarted(_logger, _displayName, s_handlerType, options.MaxConcurrency, options.HandlerLifetime);
        lock (_lock)
        {
            // From here on the loop runs (and ends the drain); a drain begun before cannot count on it.
            _started = !_draining;
            if (_started)
            {
                _channel.Monitor.State = UmpServerState.Running;
            }
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Begins the drain; the host calls this on every lifecycle service before any StopAsync, so servers drain together.</summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        return Task.CompletedTask;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        try
        {
            await _drainCompleted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's own shutdown timeout passed first: end the drain now rather than leave callers waiting.
            Log.HostShutdownTimeoutEndedDrain(_logger, _displayName, _shutdownTimeout);
            OnDeadline();
        }

        // Cancels the base class's stopping token; the drain is over, so this does not wait.
        await base.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        EndOnDispose();
        if (_singleton is IDisposable disposable)
        {
            disposable.Dispose();
        }
        else if (_singleton is IAsyncDisposable asyncDisposable)
        {
            asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        EndOnDispose();
        await DisposeHandlerAsync(_singleton).ConfigureAwait(false);
        base.Dispose();
    }

    /// <summary>Disposed without a stop (or after one): nothing may be left waiting.</summary>
    private void EndOnDispose()
    {
        BeginDrain();
        OnDeadline();
        Interlocked.Exchange(ref _deadlineTimer, null)?.Dispose();
        _inlineWatch?.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = stoppingToken.UnsafeRegister(static state => ((UmpServerService<TReq, TReply, TErr, THandler>)state!).BeginDrain(), this);
        using var scope = Log.BeginServerScope(_logger, _displayName);

        // The loop runs in the host's start context: handlers' activities parent on their callers', never on the host's.
        Activity.Current = null;
        try
        {
            await RunLoopAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, _displayName, ex);
            _channel!.Monitor.State = UmpServerState.Faulted;
            BeginDrain();
            OnDeadline();
            throw;
        }
        finally
        {
            CompleteDrain();
        }
    }

    private async Task RunLoopAsync()
    {
        var server = _channel!.Server;
        var deadline = _deadline.Token;
        while (true)
        {
            if (_slots is not null)
            {
                try
                {
                    await _slots.WaitAsync(deadline).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    break;
                }
            }

            // The wait is awaited here, in the loop's one state machine, so taking a request allocates nothing.
            (bool Taken, TReq Request, ReplyContext<TReply, TErr> Reply) next;
            if (Volatile.Read(ref _draining))
            {
                next = TakePending();
            }
            else
            {
                try
                {
                    // No token: the drain disposes the core server, and that ends this wait.
                    var (request, reply) = await server.WaitAsync().ConfigureAwait(false);
                    next = (true, request, reply);
                }
                catch (ObjectDisposedException)
                {
                    // Disposed by the drain (go on with the requests it took), or by the container.
                    next = TakePending();
                }
                catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
                {
                    Log.ClientsDisappeared(_logger, _displayName);
                    next = default;
                }
            }

            if (!next.Taken)
            {
                _slots?.Release();
                break;
            }

            if (_slots is null)
            {
                await HandleAsync(next.Request, next.Reply).ConfigureAwait(false);
            }
            else
            {
                Dispatch(next.Request, next.Reply);
            }

            // Keep no reference to a context once it is handed on (this local lives in the loop's state machine).
            next = default;
        }

        await WaitIdleAsync().ConfigureAwait(false);
    }

    /// <summary>Runs a handler on the thread pool; the closure captures this method's copies, not the loop's locals.</summary>
    private void Dispatch(TReq request, ReplyContext<TReply, TErr> reply) => _ = Task.Run(() => HandleAsync(request, reply));

    /// <summary>The next of the requests the drain took, unless the deadline has passed.</summary>
    private (bool Taken, TReq Request, ReplyContext<TReply, TErr> Reply) TakePending()
    {
        lock (_lock)
        {
            if (_pending is { Count: > 0 } pending && !_deadlinePassed)
            {
                var (request, reply) = pending.Dequeue();
                return (true, request, reply);
            }
        }

        return default;
    }

    private async Task HandleAsync(TReq request, ReplyContext<TReply, TErr> reply)
    {
        var deadline = _deadline.Token;
        var aborted = reply.RequestAborted;
        if (aborted.IsCancellationRequested)
        {
            // The caller gave up after the request was taken (while it waited for the drain): it already has its outcome.
            reply.Dispose();
            _slots?.Release();
            return;
        }

        long id;
        lock (_lock)
        {
            id = _deadlinePassed ? 0 : ++_nextId;
            if (id != 0)
            {
                if (_slots is null)
                {
                    _inlineRunning = reply;
                }
                else
                {
                    _running.Add(id, reply);
                }

                _active++;
            }
        }

        if (id == 0)
        {
            TryAbandon(reply, UmpErrorKind.ServerDisappeared, null);
            _slots?.Release();
            return;
        }

        // A caller that cannot give up has a token that never fires: then the deadline's token is all the handler needs.
        var linked = aborted.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(aborted, deadline) : null;
        var handlerToken = linked?.Token ?? deadline;
        var monitor = _channel!.Monitor;
        var requestState = reply.ObserverState as UmpRequestState;
        var started = monitor.HandlerStarting(requestState, out var activity);
        // One handler at a time (no slots): one watch for the server's life. Otherwise a watch per handler call.
        var watchdog = _slots is null
            ? _inlineWatch
            : _slowThreshold is { } threshold ? new SlowHandlerWatch(monitor, _channel.TimeProvider, threshold) : null;
        watchdog?.Start(started);
        Exception? failure = null;
        try
        {
            if (_singleton is { } singleton)
            {
                await singleton.HandleAsync(request, reply, handlerToken).ConfigureAwait(false);
            }
            else
            {
                await HandleInScopeAsync(request, reply, handlerToken).ConfigureAwait(false);
            }

            if (reply.IsPending)
            {
                // Deferred to other code, or forgotten: only a context nobody holds is worth a warning, when it is collected.
                Log.HandlerReturnedWithoutReply(_logger, _displayName, s_requestType);
            }
        }
        catch (Exception ex)
        {
            if (Volatile.Read(ref _deadlinePassed) && !reply.IsPending)
            {
                Log.HandlerFailedAfterDeadline(_logger, _displayName, s_requestType, ex);
                failure = ex is OperationCanceledException && handlerToken.IsCancellationRequested ? null : ex;
            }
            else if (ex is OperationCanceledException && handlerToken.IsCancellationRequested)
            {
                Log.HandlerCanceled(_logger, _displayName, s_requestType);
                TryAbandon(reply, UmpErrorKind.NoReply, ex);
            }
            else
            {
                // Log first, so the record exists by the time the caller sees the exception.
                if (_exceptionLevel != LogLevel.None)
                {
                    Log.HandlerFailed(_logger, _exceptionLevel, _displayName, s_requestType, ex);
                }

                failure = ex;
                TryAbandon(reply, UmpErrorKind.NoReply, ex);
            }
        }
        finally
        {
            watchdog?.End();
            if (_slots is not null)
            {
                watchdog?.Dispose();
            }

            monitor.HandlerEnded(started, requestState, activity, failure);
            linked?.Dispose();
            TaskCompletionSource? idle = null;
            lock (_lock)
            {
                if (_slots is null)
                {
                    _inlineRunning = default;
                }
                else
                {
                    _running.Remove(id);
                }

                if (--_active == 0 && _idle is not null)
                {
                    idle = _idle;
                    _idle = null;
                }
            }

            idle?.TrySetResult();
            _slots?.Release();
        }
    }

    private async ValueTask HandleInScopeAsync(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken)
    {
        var scope = _scopeFactory!.CreateAsyncScope();
        try
        {
            var handler = s_handlerFactory(scope.ServiceProvider, null);
            try
            {
                await handler.HandleAsync(request, reply, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Created here, not by the container: disposing it is ours to do.
                await DisposeHandlerAsync(handler).ConfigureAwait(false);
            }
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Disposes a handler this service created, asynchronously when it can be.</summary>
    private static ValueTask DisposeHandlerAsync(THandler? handler)
    {
        if (handler is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        (handler as IDisposable)?.Dispose();
        return default;
    }

    private async Task WaitIdleAsync()
    {
        Task idle;
        lock (_lock)
        {
            if (_active == 0)
            {
                return;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idle = _idle.Task;
        }

        try
        {
            await idle.WaitAsync(_deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
        {
            // The deadline answered the callers of the handlers still running; do not wait for them.
        }
    }

    /// <summary>Stops taking requests: takes every queued one, disposes the core server, and starts the deadline.</summary>
    private void BeginDrain()
    {
        int queued, running;
        lock (_lock)
        {
            if (_draining)
            {
                return;
            }

            _draining = true;
            if (_channel is not null)
            {
                _channel.Monitor.State = _started ? UmpServerState.Stopping : UmpServerState.Stopped;
            }

            if (!_started)
            {
                // Never started (or the start failed): no loop will drain; queued callers get ServerDisappeared.
                _drainDone = true;
                _drainCompleted.TrySetResult();
                _channel?.Server.Dispose();
                return;
            }

            _pending = new Queue<(TReq, ReplyContext<TReply, TErr>)>();
            try
            {
                while (_channel!.Server.TryWait(out var request, out var reply))
                {
                    _pending.Enqueue((request, reply));
                }
            }
            catch (Exception ex) when (ex is UmpException or ObjectDisposedException)
            {
                // Every client is gone, or the server is already disposed: nothing more is queued.
            }

            queued = _pending.Count;
            running = _active;
        }

        // Logged before the disposal: that wakes an idle loop, which may report the drain completed at once.
        Log.DrainStarted(_logger, _displayName, queued, running, _shutdownTimeout);

        // From here on a request fails with ServerDisappeared at once. This also ends the loop's wait, which then finds
        // the taken requests in place.
        _channel!.Server.Dispose();

        bool done;
        lock (_lock)
        {
            done = _drainDone;
        }

        if (!done)
        {
            var timer = _channel!.TimeProvider.CreateTimer(
                static state => ((UmpServerService<TReq, TReply, TErr, THandler>)state!).OnDeadline(),
                this,
                _shutdownTimeout,
                Timeout.InfiniteTimeSpan);
            Interlocked.Exchange(ref _deadlineTimer, timer)?.Dispose();
        }
    }

    /// <summary>
    /// The drain deadline (or a forced end): waiting callers get ServerDisappeared, then the handlers' tokens fire,
    /// and the stop goes on.
    /// </summary>
    private void OnDeadline()
    {
        (TReq Request, ReplyContext<TReply, TErr> Reply)[] pending;
        ReplyContext<TReply, TErr>[] running;
        lock (_lock)
        {
            if (_deadlinePassed || _drainDone)
            {
                return;
            }

            _deadlinePassed = true;
            pending = _pending is { Count: > 0 } ? [.. _pending] : [];
            _pending?.Clear();
            running = _slots is null ? [_inlineRunning] : [.. _running.Values];
        }

        _channel?.Server.Dispose();
        var waiting = 0;
        foreach (var (_, reply) in pending)
        {
            waiting += TryAbandon(reply, UmpErrorKind.ServerDisappeared, null) ? 1 : 0;
        }

        var stillRunning = 0;
        foreach (var reply in running)
        {
            stillRunning += TryAbandon(reply, UmpErrorKind.ServerDisappeared, null) ? 1 : 0;
        }

        if (waiting > 0 || stillRunning > 0)
        {
            Log.DrainDeadlinePassed(_logger, _displayName, waiting, stillRunning);
        }

        // Only now, with every waiting caller answered, do the handlers' tokens fire.
        try
        {
            _deadline.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.DeadlineCallbackFailed(_logger, _displayName, ex);
        }

        _drainCompleted.TrySetResult();
    }

    /// <summary>The loop ended: every request was handled (or the deadline passed).</summary>
    private void CompleteDrain()
    {
        bool deadlinePassed;
        lock (_lock)
        {
            deadlinePassed = _deadlinePassed;
            _drainDone = true;
            _channel!.Monitor.State = UmpServerState.Stopped;
        }

        Interlocked.Exchange(ref _deadlineTimer, null)?.Dispose();
        _inlineWatch?.Dispose();
        if (!deadlinePassed)
        {
            Log.DrainCompleted(_logger, _displayName);
        }

        _drainCompleted.TrySetResult();
    }

    private static bool TryAbandon(ReplyContext<TReply, TErr> reply, UmpErrorKind kind, Exception? reason)
    {
        try
        {
            return reply.IsPending && reply.Abandon(kind, reason);
        }
        catch (InvalidOperationException)
        {
            // Answered meanwhile (the handler raced us): the first outcome stands.
            return false;
        }
    }

    /// <summary>
    /// The slow-handler watchdog: warns once while a handler runs past the threshold. On the one-at-a-time path one watch
    /// serves every call, and its timer is not re-armed per call: a tick that finds a call younger than the threshold
    /// re-arms itself for the rest, and a tick that finds none leaves the next <see cref="Start"/> to arm it. So a busy
    /// server pays two field writes per call and one tick per threshold, not two timer changes per call.
    /// </summary>
    private sealed class SlowHandlerWatch : IDisposable
    {
        private static readonly TimerCallback s_tick = static state => ((SlowHandlerWatch)state!).Tick();

        private readonly UmpServerMonitor _monitor;
        private readonly TimeProvider _time;
        private readonly TimeSpan _threshold;
        private readonly ITimer _timer;

        // The running call's start timestamp; 0 when none runs.
        private long _started;

        // 1 while a tick is scheduled. Start and Tick each write their own field and then read the other's, with full
        // fences in between (Interlocked), so at least one of them sees the other: a call never starts unwatched.
        private int _armed;

        public SlowHandlerWatch(UmpServerMonitor monitor, TimeProvider time, TimeSpan threshold)
        {
            _monitor = monitor;
            _time = time;
            _threshold = threshold;
            _timer = time.CreateTimer(s_tick, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public void Start(long started)
        {
            Interlocked.Exchange(ref _started, started);
            if (Volatile.Read(ref _armed) == 0)
            {
                TryArm(_threshold);
            }
        }

        public void End() => Volatile.Write(ref _started, 0);

        public void Dispose() => _timer.Dispose();

        private void TryArm(TimeSpan due)
        {
            if (Interlocked.CompareExchange(ref _armed, 1, 0) == 0)
            {
                try
                {
                    _timer.Change(due, Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                    // The server stopped.
                }
            }
        }

        private void Tick()
        {
            Interlocked.Exchange(ref _armed, 0);
            var started = Volatile.Read(ref _started);
            if (started == 0)
            {
                return;
            }

            var elapsed = _time.GetElapsedTime(started);
            if (elapsed < _threshold)
            {
                TryArm(_threshold - elapsed);
            }
            else
            {
                // Reported once: the tick is not re-armed until the next call starts.
                _monitor.HandlerSlow(started, _threshold);
            }
        }
    }
}
