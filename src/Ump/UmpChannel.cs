using Ump.Internal;

namespace Ump;

/// <summary>Creates Ump channels: a linked <see cref="Server{TReq, TReply, TErr}"/> and <see cref="Client{TReq, TReply, TErr}"/>.</summary>
public static class UmpChannel
{
    /// <summary>Creates a channel and returns its server and its first client.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type; <see cref="NoError"/> when the server never fails a request.</typeparam>
    /// <param name="options">The channel options; <see langword="null"/> for an unbounded queue and no timeout.</param>
    /// <returns>The server, which waits for requests, and a client, which sends them. Clone the client for more.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="UmpChannelOptions.Capacity"/> is less than 1, or <see cref="UmpChannelOptions.RequestTimeout"/> is not positive.</exception>
    /// <exception cref="ArgumentNullException"><see cref="UmpChannelOptions.TimeProvider"/> is <see langword="null"/>.</exception>
    public static (Server<TReq, TReply, TErr> Server, Client<TReq, TReply, TErr> Client) Create<TReq, TReply, TErr>(UmpChannelOptions? options = null)
    {
        options ??= s_defaultOptions;
        if (options.Capacity is { } capacity)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1, "options.Capacity");
        }

        if (options.RequestTimeout is { } timeout)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, "options.RequestTimeout");
        }

        ArgumentNullException.ThrowIfNull(options.TimeProvider, "options.TimeProvider");

        var core = new ChannelCore<TReq, TReply, TErr>(options);
        return (new Server<TReq, TReply, TErr>(core), new Client<TReq, TReply, TErr>(core));
    }

    private static readonly UmpChannelOptions s_defaultOptions = new();
}
