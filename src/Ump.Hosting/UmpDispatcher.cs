using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting.Internal;
using Ump.Hosting.Internal.Dispatching;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting;

/// <summary>
/// The dispatch loop of one Ump server: it owns the server's channel, takes each request, runs the server's handler on it
/// (up to <see cref="UmpServerOptions.MaxConcurrency"/> at once) and drains when it stops. <c>AddUmpServer</c> runs one per
/// server inside a hosted service; code with a lifecycle of its own (a grain activation, a test) creates one with
/// <see cref="IUmpDispatcherFactory{TReq, TReply, TErr}"/> and drives it with <see cref="StartAsync"/>, <see cref="StopAsync"/>
/// and <see cref="DisposeAsync"/>.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// <para>
/// One state, under one lock, that only moves forward: not started, running, draining, aborted (the drain deadline passed),
/// stopped. The stop is three steps: stop accepting (<see cref="Server{TReq, TReply, TErr}.Complete"/>: new requests fail
/// with <see cref="UmpErrorKind.ServerDisappeared"/>, queued ones are still delivered), drain until
/// <see cref="UmpServerOptions.ShutdownTimeout"/> or the stop's token (no longer graceful), then abort what is left: queued
/// callers and callers of running handlers get <see cref="UmpErrorKind.ServerDisappeared"/> first, then the handlers'
/// tokens fire, and the stop completes without waiting for handlers that ignore their token.
/// </para>
/// <para>
/// With one slot, requests are handled strictly in FIFO order, one at a time, inline in the loop; with more, each handler
/// call runs on the thread pool. The dispatcher keeps a reply context only while its handler runs.
/// </para>
/// </remarks>
public sealed partial class UmpDispatcher<TReq, TReply, TErr> : IDisposable, IAsyncDisposable, IUmpServerStatus
{
    private readonly Lock _lock = new();
    private readonly Server<TReq, TReply, TErr> _server;
    private readonly Client<TReq, TReply, TErr> _rootClient;
    private readonly UmpMetrics _metrics;
    private readonly UmpServerDiagnostics _diagnostics;
    private readonly HandlerActivator<TReq, TReply, TErr> _activator;
    private readonly HandlerOutcomePolicy _policy;
    private readonly RunningRequests<TReply, TErr> _running = new();
    private readonly SlowHandlerHeartbeat<TReply, TErr>? _heartbeat;
    private readonly SemaphoreSlim? _slots;
    // The handlers' token beyond the callers': fires when the drain is aborted.
    private readonly CancellationTokenSource _aborted = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _shutdownTimeout;
    private readonly int _maxConcurrency;
    private readonly ServiceLifetime _lifetime;
    private readonly int? _capacity;
    private readonly Action<UmpDispatcher<TReq, TReply, TErr>> _disposed;

    // Guarded by _lock.
    private volatile DispatcherState _state;
    private bool _loopEnded;
    private bool _released;
    private ITimer? _deadline;
    private List<CancellationTokenRegistration>? _stopTokens;

    internal UmpDispatcher(
        string name,
        UmpServerOptions options,
        IServiceProvider services,
        UmpMetrics metrics,
        HandlerActivator<TReq, TReply, TErr> activator,
        Action<UmpDispatcher<TReq, TReply, TErr>> disposed)
    {
        _disposed = disposed;
        Name = name;
        DisplayName = UmpServerOptionsConstants.DisplayName(name);
        _capacity = options.Capacity;
        _shutdownTimeout = options.ShutdownTimeout;
        _maxConcurrency = options.MaxConcurrency;
        _lifetime = options.HandlerLifetime;
        _metrics = metrics;
        _activator = activator;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = Log.CreateLogger(services);

        // A threshold beyond what a timer accepts (about 49.7 days) is never reached: no watch.
        var slow = options.SlowHandlerThreshold is { } threshold && threshold <= UmpServerOptionsConstants.MaxTimeout ? threshold : (TimeSpan?)null;
        _diagnostics = new UmpServerDiagnostics(DisplayName, typeof(TReq), time, metrics, logger, options.AppErrorLogLevel, timeHandlers: slow is not null);
        _policy = new HandlerOutcomePolicy(logger, DisplayName, _diagnostics.RequestType, options.HandlerExceptionLogLevel);
        (_server, _rootClient) = UmpChannel.Create<TReq, TReply, TErr>(new UmpChannelOptions
        {
            Capacity = options.Capacity,
            RequestTimeout = options.RequestTimeout,
            TimeProvider = time,
            Observer = _diagnostics,
        });
        _diagnostics.ObserveQueue(() => _server.Count);
        _slots = _maxConcurrency > 1 ? new SemaphoreSlim(_maxConcurrency, _maxConcurrency) : null;
        _heartbeat = slow is { } watch ? new SlowHandlerHeartbeat<TReply, TErr>(_lock, _running, _diagnostics, watch) : null;
        metrics.Add(_diagnostics);
    }

    /// <summary>Gets the server's name: its options name and service key (empty for the unnamed server).</summary>
    public string Name { get; }

    /// <summary>Gets a task that completes once the dispatcher has stopped (every request has its outcome, or the drain was aborted), and faults if its loop failed.</summary>
    public Task Completion => _completion.Task;

    internal string DisplayName { get; }

    string IUmpServerStatus.DisplayName => DisplayName;

    string IUmpServerStatus.State => State.HealthName();

    bool IUmpServerStatus.IsServing => State == DispatcherState.Running;

    internal DispatcherState State => _state;

    int IUmpServerStatus.QueueLength => _server.Count;

    int IUmpServerStatus.ActiveHandlers => _diagnostics.ActiveHandlers;

    int? IUmpServerStatus.Capacity => _capacity;

    /// <summary>Creates a client of this dispatcher's server, owned by the caller (dispose it when done). Requests sent before <see cref="StartAsync"/> wait in the queue.</summary>
    /// <returns>A new client.</returns>
    /// <exception cref="ObjectDisposedException">The dispatcher is disposed.</exception>
    public Client<TReq, TReply, TErr> CreateClient() => _rootClient.Clone();

    /// <summary>Checks that the handler can be created (and creates a singleton handler), then starts taking requests.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes once the loop runs.</returns>
    /// <exception cref="InvalidOperationException">The handler cannot be created (a constructor dependency is not registered, say), or the dispatcher was already started or stopped.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_state != DispatcherState.NotStarted)
            {
                throw new InvalidOperationException($"Ump server '{DisplayName}' was already started or stopped; a dispatcher starts once. Create a new one with IUmpDispatcherFactory.");
            }
        }

        try
        {
            // Outside the lock: a singleton handler's constructor is user code.
            _activator.Start(DisplayName);
        }
        catch (Exception ex)
        {
            Log.StartFailed(_diagnostics.Logger, DisplayName, _activator.HandlerType, ex);
            lock (_lock)
            {
                _state = DispatcherState.Faulted;
            }

            // Nothing will run: a stop has nothing to wait for, and queued callers get ServerDisappeared.
            _completion.TrySetException(ex);
            _stopped.TrySetResult();
            _server.Dispose();
            throw;
        }

        lock (_lock)
        {
            if (_state != DispatcherState.NotStarted)
            {
                // Stopped while the handler was being created: nothing to run.
                return Task.CompletedTask;
            }

            _state = DispatcherState.Running;
        }

        Log.ServerStarted(_diagnostics.Logger, DisplayName, _activator.HandlerType, _maxConcurrency, _lifetime);

        // Not flowed: handlers' activities parent on their callers' and their log scope is the server's, never the starter's.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(RunAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops without a drain (whatever is left is aborted at once), then disposes the server's channel and its singleton handler.</summary>
    /// <returns>A task that completes when the dispatcher is disposed.</returns>
    public ValueTask DisposeAsync() => _activator.DisposeAsync(ReleaseResources());

    /// <summary>
    /// Stops without a drain and disposes the channel and the singleton handler; a handler that is only
    /// <see cref="IAsyncDisposable"/> is waited for here. Prefer <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose() => _activator.Dispose(ReleaseResources());

    /// <summary>Aborts what is left and releases everything but the handler; true the first time.</summary>
    private bool ReleaseResources()
    {
        _ = StopAsync(new CancellationToken(canceled: true));
        lock (_lock)
        {
            if (_released)
            {
                return false;
            }

            _released = true;
        }

        _heartbeat?.Dispose();
        // Stryker disable once Statement : equivalent; the stop above has already disposed the server, or the drain completed it with nothing queued or waiting: disposing it changes no outcome (later requests get ServerDisappeared either way).
        _server.Dispose();
        _rootClient.Dispose();
        _metrics.Remove(_diagnostics);
        _disposed(this);
        return true;
    }
}
