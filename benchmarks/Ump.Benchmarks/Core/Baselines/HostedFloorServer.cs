using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Ump.Benchmarks.Core.Baselines;

/// <summary>
/// The floor under the hosted path with a scoped handler and telemetry: a raw core server loop that does by hand only
/// what that path must do per request — a DI scope and a handler from it, one <c>ump.handle</c>-shaped activity with the
/// same tags (sampled, current while the handler runs), the same four measurements on a listened meter, and the four
/// timestamps they are computed from — and nothing else (no drain bookkeeping, no logging, no watchdog).
/// </summary>
public sealed class HostedFloorServer : IDisposable
{
    private const string SourceName = "Ump.Benchmarks.Floor";

    private static readonly KeyValuePair<string, object?> s_server = new("ump.server.name", "(unnamed)");
    private static readonly KeyValuePair<string, object?>[] s_tags = [s_server, new("ump.request.type", "System.Int32")];
    private static readonly KeyValuePair<string, object?> s_outcome = new("ump.outcome", "reply");

    private readonly ActivitySource _source = new(SourceName);
    private readonly ActivityListener _activities;
    private readonly Meter _meter = new(SourceName);
    private readonly MeterListener _meters;
    private readonly ServiceProvider _services;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _handlerDuration;
    private readonly Server<int, int, NoError> _server;
    private readonly Task _loop;

    /// <summary>Starts the listeners and the server loop.</summary>
    public HostedFloorServer()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
        _requests = _meter.CreateCounter<long>("requests");
        _requestDuration = _meter.CreateHistogram<double>("request.duration");
        _queueWait = _meter.CreateHistogram<double>("queue.wait");
        _handlerDuration = _meter.CreateHistogram<double>("handler.duration");
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == _meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        _meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        _meters.Start();

        _services = new ServiceCollection().BuildServiceProvider();
        (_server, Client) = UmpChannel.Create<int, int, NoError>();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The client to call the floor server with.</summary>
    public Client<int, int, NoError> Client { get; }

    /// <summary>A request as the caller sends it: the send time rides with the request, as the hosted path's observer state does.</summary>
    public async ValueTask<int> RequestAsync(int request)
    {
        var sent = Stopwatch.GetTimestamp();
        var reply = await Client.RequestAsync(request);
        _requests.Add(1, s_server, s_outcome);
        _requestDuration.Record(Stopwatch.GetElapsedTime(sent).TotalSeconds, s_server, s_outcome);
        return reply;
    }

    /// <summary>Stops the loop (bounded) and the listeners.</summary>
    public void Dispose()
    {
        Client.Dispose();
        Shared.WaitStopped(_loop, "Hosted floor server loop");
        _server.Dispose();
        _services.Dispose();
        _meters.Dispose();
        _activities.Dispose();
        _meter.Dispose();
        _source.Dispose();
    }

    private async Task RunAsync()
    {
        var factory = ActivatorUtilities.CreateFactory<HostedEchoHandler>(Type.EmptyTypes);
        var scopes = _services.GetRequiredService<IServiceScopeFactory>();
        try
        {
            while (true)
            {
                var (request, reply) = await _server.WaitAsync();
                var started = Stopwatch.GetTimestamp();
                // The hosted path computes the queue wait from the send time it carries; the floor records the same
                // number of measurements without carrying it.
                _queueWait.Record(0, s_server);
                using (var activity = _source.StartActivity("ump.handle", ActivityKind.Consumer, default(ActivityContext), s_tags))
                {
                    var scope = scopes.CreateAsyncScope();
                    await factory(scope.ServiceProvider, null).HandleAsync(request, reply, CancellationToken.None);
                    await scope.DisposeAsync();
                    activity?.SetTag(s_outcome.Key, s_outcome.Value);
                }

                _handlerDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, s_server);
            }
        }
        catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
        {
            // Every client is disposed: the normal way to stop.
        }
    }
}
