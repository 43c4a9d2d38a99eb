namespace Ump.Tests;

/// <summary>How a test calls: each caller and server style the API offers.</summary>
public enum Caller
{
    Request,
    RequestAsync,
    SendThenWait,
    SendAsyncThenAwait,
}

public enum Serve
{
    Wait,
    WaitAsync,
    TryWait,
}

internal static class Modes
{
    public static Task<TReply> Call<TReq, TReply, TErr>(this Client<TReq, TReply, TErr> client, Caller caller, TReq request, CancellationToken ct = default) =>
        caller switch
        {
            Caller.Request => Bounded.OnThread(() => client.Request(request, ct)),
            Caller.RequestAsync => client.RequestAsync(request, ct).AsTask(),
            Caller.SendThenWait => Bounded.OnThread(() =>
            {
                using var reply = client.Send(request);
                return reply.Wait(ct);
            }),
            Caller.SendAsyncThenAwait => SendAsyncThenAwait(client, request, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(caller)),
        };

    public static Task<(TReq Request, ReplyContext<TReply, TErr> Reply)> Take<TReq, TReply, TErr>(this Server<TReq, TReply, TErr> server, Serve serve, CancellationToken ct = default) =>
        serve switch
        {
            Serve.Wait => Bounded.OnThread(() => server.Wait(ct)),
            Serve.WaitAsync => server.WaitAsync(ct).AsTask(),
            Serve.TryWait => PollAsync(server),
            _ => throw new ArgumentOutOfRangeException(nameof(serve)),
        };

    public static IEnumerable<object[]> AllPairs()
    {
        foreach (var caller in Enum.GetValues<Caller>())
        {
            foreach (var serve in Enum.GetValues<Serve>())
            {
                yield return [caller, serve];
            }
        }
    }

    public static IEnumerable<object[]> AllCallers() => Enum.GetValues<Caller>().Select(c => new object[] { c });

    public static IEnumerable<object[]> AllServes() => Enum.GetValues<Serve>().Select(s => new object[] { s });

    private static async Task<TReply> SendAsyncThenAwait<TReq, TReply, TErr>(Client<TReq, TReply, TErr> client, TReq request, CancellationToken ct)
    {
        using var reply = await client.SendAsync(request);
        return await reply.WaitAsync(ct);
    }

    private static async Task<(TReq, ReplyContext<TReply, TErr>)> PollAsync<TReq, TReply, TErr>(Server<TReq, TReply, TErr> server)
    {
        var deadline = Environment.TickCount64 + (long)Bounded.Timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            if (server.TryWait(out var request, out var reply))
            {
                return (request, reply);
            }

            await Task.Yield();
        }

        throw new TimeoutException("TryWait found no request in time.");
    }
}
