using System.Diagnostics;
using Ump.Hosting;

namespace Ump.Samples.Worker;

/// <summary>
/// Writes one Debug record per request of the server it filters: its name, the request, how long the handler (and the
/// filters inside this one) took, and whether the request was answered, left for later, or threw. One class for every
/// server: <c>.AddFilter&lt;RequestTimingFilter&lt;TReq, TReply, TErr&gt;&gt;()</c>. Singleton-safe: it keeps no state per request.
/// </summary>
public sealed partial class RequestTimingFilter<TReq, TReply, TErr>(ILogger<RequestTimingFilter<TReq, TReply, TErr>> logger)
    : IUmpFilter<TReq, TReply, TErr>
{
    public async ValueTask InvokeAsync(UmpHandlerContext<TReq, TReply, TErr> context, UmpHandlerDelegate<TReq, TReply, TErr> next)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            LogHandled(logger, context.ServerName, context.Request, Stopwatch.GetElapsedTime(started).TotalMilliseconds, "threw " + ex.GetType().Name);
            throw;
        }

        LogHandled(logger, context.ServerName, context.Request, Stopwatch.GetElapsedTime(started).TotalMilliseconds, context.Reply.IsPending ? "deferred" : "answered");
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Server}: {Request} {Outcome} in {ElapsedMs:0.000} ms")]
    private static partial void LogHandled(ILogger logger, string server, TReq request, double elapsedMs, string outcome);
}
