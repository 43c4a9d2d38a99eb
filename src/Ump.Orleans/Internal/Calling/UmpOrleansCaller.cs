using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ump.Hosting;
using Ump.Orleans.Internal.Wire;

namespace Ump.Orleans.Internal.Calling;

/// <summary>
/// The caller's side of one remote server: a local channel whose clients are the ones callers inject, and a loop that sends
/// each request to a grain without waiting for the one before, so a caller's concurrent requests are not serialised.
/// The caller's token and <see cref="UmpServerOptions.RequestTimeout"/> are decided by the local channel; when the caller
/// gives up, the grain call's token fires and the remote handler's with it.
/// </summary>
internal sealed class UmpOrleansCaller<TReq, TReply, TErr> : IHostedService, IAsyncDisposable
{
    private readonly string _displayName;
    private readonly IServiceProvider _services;
    private readonly string[] _keys;
    private readonly IUmpPayloadCodec _codec;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Server<TReq, TReply, TErr> _server;
    private readonly Client<TReq, TReply, TErr> _root;
    private readonly Histogram<double>? _duration;
    private readonly CancellationTokenSource _aborted = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly KeyValuePair<string, object?> _serverTag;
    private IGrainFactory? _grains;
    private Task _loop = Task.CompletedTask;
    // Stryker disable once Unary : equivalent; which partition the round-robin starts at is not observable, only that it goes round.
    private int _next = -1;

    // One for the loop, one per request on the wire; the stop waits for zero.
    private int _busy = 1;

    public UmpOrleansCaller(string name, IServiceProvider services)
    {
        _displayName = name;
        _services = services;
        var options = services.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get(name);
        var orleans = services.GetRequiredService<IOptionsMonitor<UmpOrleansOptions>>().Get(name);
        _keys = [.. Enumerable.Range(0, orleans.Partitions).Select(p => UmpGrainKeys.Key(name, p))];
        _codec = orleans.Codec;
        _shutdownTimeout = options.ShutdownTimeout;
        _serverTag = new(OrleansDiagnostics.ServerNameTag, name);
        (_server, _root) = UmpChannel.Create<TReq, TReply, TErr>(new UmpChannelOptions
        {
            Capacity = options.Capacity,
            RequestTimeout = options.RequestTimeout,
            TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
            Observer = CallerActivityObserver.Instance,
        });
        _duration = services.GetService<IMeterFactory>()?.Create(UmpOrleansTelemetry.MeterName)
            .CreateHistogram<double>("ump.client.request.duration", "s", "How long remote requests took, measured by the caller, from the send to the outcome.");
    }

    public Client<TReq, TReply, TErr> CreateClient() => _root.Clone();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolved here, not in the constructor: a silo's grain factory exists only once the host is built.
        _grains = _services.GetService<IGrainFactory>() ?? throw new InvalidOperationException(
            $"Ump server '{_displayName}' is called through Orleans, but this host has no Orleans client: call UseOrleansClient(...) on the host builder, or host a silo (UseOrleans(...)) in it.");
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops accepting; requests on the wire finish until the shutdown timeout or the token, then their callers get ServerDisappeared.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _server.Complete();
        try
        {
            // Stryker disable once Boolean : equivalent; only Abort runs after this await, and it needs no context.
            await _idle.Task.WaitAsync(_shutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Not graceful any more: what waits in the queue, and what is on the wire, gets ServerDisappeared.
        }

        Abort();
    }

    public async ValueTask DisposeAsync()
    {
        Abort();
        // Stryker disable once Boolean : equivalent; what runs after this await only disposes, and needs no context.
        await _loop.ConfigureAwait(false);
        _root.Dispose();
        // Stryker disable once Statement : equivalent; the source was canceled by Abort, and disposing it only releases its resources early.
        _aborted.Dispose();
    }

    private void Abort()
    {
        _server.Dispose();
        if (!_aborted.IsCancellationRequested)
        {
            _aborted.Cancel();
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            TReq request;
            ReplyContext<TReply, TErr> reply;
            try
            {
                (request, reply) = await _server.WaitAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is UmpException { Kind: UmpErrorKind.ClientsDisappeared } or ObjectDisposedException)
            {
                break;
            }

            Interlocked.Increment(ref _busy);
            _ = ForwardAsync(request, reply);
        }

        Leave();
    }

    private void Leave()
    {
        if (Interlocked.Decrement(ref _busy) == 0)
        {
            _idle.TrySetResult();
        }
    }

    private async Task ForwardAsync(TReq request, ReplyContext<TReply, TErr> reply)
    {
        var started = Stopwatch.GetTimestamp();
        var parent = reply.ObserverState is Activity caller ? caller.Context : default;
        using var activity = OrleansDiagnostics.ActivitySource.StartActivity(OrleansDiagnostics.CallActivity, ActivityKind.Client, parent);
        activity?.SetTag(OrleansDiagnostics.ServerNameTag, _displayName);
        var context = activity?.Context ?? parent;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(reply.RequestAborted, _aborted.Token);
        string outcome;
        try
        {
            var wire = new UmpWireRequest
            {
                Payload = _codec.Serialize(request),
                TraceParent = OrleansDiagnostics.TraceParent(context),
                // Stryker disable once Conditional : the false branch is equivalent (a default context's TraceState is null); the true one is killed by CallActivityNotRecorded_TheReceiveIsTheCallersChild_WithItsTraceState.
                TraceState = activity?.TraceStateString ?? (parent == default ? null : parent.TraceState),
            };
            // Stryker disable once Boolean : equivalent; the loop runs on the thread pool, where no context is captured either way.
            var result = await CallAsync(wire, linked.Token).ConfigureAwait(false);
            if (result.Outcome == UmpWireOutcome.Refused)
            {
                // Refused before the remote server took it: sending once more is safe, and may reach a new activation.
                // Stryker disable once Boolean : equivalent; the loop runs on the thread pool, where no context is captured either way.
                result = await CallAsync(wire, linked.Token).ConfigureAwait(false);
            }

            outcome = Complete(reply, result);
        }
        catch (OperationCanceledException) when (reply.RequestAborted.IsCancellationRequested)
        {
            // The caller gave up and has its outcome; the remote handler's token fired with the call's.
            outcome = "given_up";
            // Stryker disable once Statement : equivalent; the caller gave up and has its outcome: the context, disposed now or collected later, tells it nothing more.
            reply.Dispose();
        }
        catch (Exception ex)
        {
            // The silo or the cluster is gone, the gateway dropped, Orleans' response timeout passed, or the stop aborted.
            outcome = "server_disappeared";
            reply.Abort(ex);
        }
        finally
        {
            Leave();
        }

        activity?.SetTag(OrleansDiagnostics.OutcomeTag, outcome);
        if (outcome is not ("reply" or "given_up"))
        {
            activity?.SetStatus(ActivityStatusCode.Error);
        }

        _duration?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _serverTag, new(OrleansDiagnostics.OutcomeTag, outcome));
    }

    private Task<UmpWireReply> CallAsync(UmpWireRequest request, CancellationToken cancellationToken)
    {
        // Stryker disable once Conditional : the false branch is equivalent (any count modulo one key is 0); the true one is killed by Partitions_SpreadOverBothSilos.
        var partition = _keys.Length == 1 ? 0 : (int)((uint)Interlocked.Increment(ref _next) % (uint)_keys.Length);
        return _grains!.GetGrain<IUmpServerGrain>(_keys[partition]).CallAsync(request, cancellationToken);
    }

    private string Complete(ReplyContext<TReply, TErr> reply, UmpWireReply result)
    {
        switch (result.Outcome)
        {
            case UmpWireOutcome.Replied:
                // Stryker disable once NullCoalescing : equivalent; a null array converts to the same empty span as [].
                reply.Reply(_codec.Deserialize<TReply>(result.Payload ?? []));
                return "reply";
            case UmpWireOutcome.Failed:
                // Stryker disable once NullCoalescing : equivalent; a null array converts to the same empty span as [].
                reply.Fail(_codec.Deserialize<TErr>(result.Payload ?? []));
                return "app_error";
            case UmpWireOutcome.NoReply:
                reply.Abandon(result.ReasonType is null ? null : new UmpRemoteException(result.ReasonType, result.ReasonMessage));
                return "no_reply";
            case UmpWireOutcome.TimedOut:
                reply.Abandon(new TimeoutException($"Ump server '{_displayName}': the remote server's RequestTimeout passed. {result.ReasonMessage}"));
                return "no_reply";
            default:
                reply.Abort(new UmpRemoteException(result.ReasonType, result.ReasonMessage ?? $"Ump server '{_displayName}' is stopping on its silo."));
                return "server_disappeared";
        }
    }

    /// <summary>Keeps the caller's activity with its request, read back by the loop.</summary>
    private sealed class CallerActivityObserver : UmpChannelObserver
    {
        public static readonly CallerActivityObserver Instance = new();

        public override object? OnRequestSent() => Activity.Current;
    }
}
