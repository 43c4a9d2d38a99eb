using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ump.Hosting.Internal;

/// <summary>
/// The core channel of one hosted server: its <see cref="Server{TReq, TReply, TErr}"/> and the root client every injected
/// client is cloned from. A singleton keyed by the server's name; the container disposes it with the host.
/// </summary>
internal sealed class UmpServerChannel<TReq, TReply, TErr> : IDisposable
{
    private UmpServerChannel(UmpServerOptions options, TimeProvider timeProvider)
    {
        TimeProvider = timeProvider;
        (Server, RootClient) = UmpChannel.Create<TReq, TReply, TErr>(new UmpChannelOptions
        {
            Capacity = options.Capacity,
            RequestTimeout = options.RequestTimeout,
            TimeProvider = timeProvider,
        });
    }

    public Server<TReq, TReply, TErr> Server { get; }

    /// <summary>Never handed out: callers get clones, so disposing theirs never ends the channel.</summary>
    public Client<TReq, TReply, TErr> RootClient { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>The keyed-service factory: options of the server's name, and the <see cref="TimeProvider"/> from DI when one is registered.</summary>
    public static UmpServerChannel<TReq, TReply, TErr> Create(IServiceProvider services, object? key)
    {
        var name = (string)key!;
        var options = services.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get(name);
        return new UmpServerChannel<TReq, TReply, TErr>(options, services.GetService<TimeProvider>() ?? TimeProvider.System);
    }

    public void Dispose()
    {
        Server.Dispose();
        RootClient.Dispose();
    }
}
