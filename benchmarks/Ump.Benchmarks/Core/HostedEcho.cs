using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ump.Hosting;

namespace Ump.Benchmarks.Core;

/// <summary>
/// Ump's hosted path: a started generic host with <c>AddUmpServer</c>, called through the scoped client a controller
/// would get injected. Telemetry "on" means a listener for the <c>Ump</c> meter (every instrument) and a sampling
/// listener for the <c>Ump</c> activity source, as OpenTelemetry would add; "off" means nobody listens.
/// </summary>
public sealed class HostedEcho
{
    private readonly IHost _host;
    private readonly IServiceScope _scope;
    private readonly MeterListener? _meters;
    private readonly ActivityListener? _activities;

    /// <summary>Builds and starts the host.</summary>
    /// <param name="lifetime">The handler's lifetime: Scoped (a scope and a handler per request) or Singleton.</param>
    /// <param name="telemetry">Whether metrics and traces are listened to.</param>
    /// <param name="maxConcurrency">The server's <c>MaxConcurrency</c>: 1 runs one handler call at a time, more runs them concurrently.</param>
    /// <param name="filters">How many pass-through filters run around the handler.</param>
    public HostedEcho(ServiceLifetime lifetime, bool telemetry, int maxConcurrency = 1, int filters = 0)
    {
        if (telemetry)
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == UmpTelemetry.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            _meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            _meters.SetMeasurementEventCallback<int>(static (_, _, _, _) => { });
            _meters.Start();
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == UmpTelemetry.ActivitySourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_activities);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var server = builder.Services.AddUmpServer<int, int, NoError, HostedEchoHandler>()
            .Configure(o =>
            {
                o.HandlerLifetime = lifetime;
                o.MaxConcurrency = maxConcurrency;
            });
        for (var i = 0; i < filters; i++)
        {
            server.AddFilter<PassThroughFilter>();
        }

        _host = builder.Build();
        _host.Start();
        _scope = _host.Services.CreateScope();
        Client = _scope.ServiceProvider.GetRequiredService<Client<int, int, NoError>>();
    }

    /// <summary>The injected (scoped) client.</summary>
    public Client<int, int, NoError> Client { get; }

    /// <summary>Stops and disposes the host (bounded) and the listeners.</summary>
    public void Stop()
    {
        _scope.Dispose();
        Shared.WaitStopped(_host.StopAsync(Shared.StopTimeout), "Ump host");
        _host.Dispose();
        _meters?.Dispose();
        _activities?.Dispose();
    }
}

/// <summary>Replies with the request.</summary>
public sealed class HostedEchoHandler : IUmpHandler<int, int, NoError>
{
    /// <inheritdoc/>
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Calls on, and nothing else: what the filter pipeline itself costs.</summary>
public sealed class PassThroughFilter : IUmpFilter<int, int, NoError>
{
    /// <inheritdoc/>
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next) => next(context);
}
