using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Internal;

/// <summary>
/// The core channel of one hosted server: its <see cref="Server{TReq, TReply, TErr}"/>, the root client every injected
/// client is cloned from, and the <see cref="UmpServerMonitor"/> that observes its requests. A singleton keyed by the
/// server's name; the container disposes it with the host.
/// </summary>
internal sealed class UmpServerChannel<TReq, TReply, TErr> : IDisposable
{
    private readonly UmpMetrics _metrics;

    private UmpServerChannel(string name, UmpServerOptions options, TimeProvider timeProvider, UmpMetrics metrics, ILogger logger)
    {
        TimeProvider = timeProvider;
        _metrics = metrics;
        Monitor = new UmpServerMonitor(
            UmpServerOptionsConstants.DisplayName(name),
            typeof(TReq),
            options.Capacity,
            timeProvider,
            metrics,
            logger,
            options.AppErrorLogLevel,
            () => Server!.Count);
        (Server, RootClient) = UmpChannel.Create<TReq, TReply, TErr>(new UmpChannelOptions
        {
            Capacity = options.Capacity,
            RequestTimeout = options.RequestTimeout,
            TimeProvider = timeProvider,
            Observer = Monitor,
        });
        metrics.Add(Monitor);
    }

    public Server<TReq, TReply, TErr> Server { get; }

    /// <summary>Never handed out: callers get clones, so disposing theirs never ends the channel.</summary>
    public Client<TReq, TReply, TErr> RootClient { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>The server's telemetry: the channel's observer, read by the dispatcher, the gauges and the health check.</summary>
    public UmpServerMonitor Monitor { get; }

    /// <summary>
    /// The keyed-service factory: options of the server's name, and the <see cref="TimeProvider"/>, logger factory and
    /// meter factory from DI when registered.
    /// </summary>
    public static UmpServerChannel<TReq, TReply, TErr> Create(IServiceProvider services, object? key)
    {
        var name = (string)key!;
        var options = services.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get(name);
        return new UmpServerChannel<TReq, TReply, TErr>(
            name,
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<UmpMetrics>(),
            Log.CreateLogger(services));
    }

    public void Dispose()
    {
        _metrics.Remove(Monitor);
        Server.Dispose();
        RootClient.Dispose();
    }
}
