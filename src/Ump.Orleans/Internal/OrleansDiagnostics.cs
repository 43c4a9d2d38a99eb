using System.Diagnostics;

namespace Ump.Orleans.Internal;

/// <summary>The activity source and the W3C trace context carried in each request.</summary>
internal static class OrleansDiagnostics
{
    public const string CallActivity = "ump.orleans.call";
    public const string ReceiveActivity = "ump.orleans.receive";
    public const string ServerNameTag = "ump.server.name";
    public const string OutcomeTag = "ump.outcome";

    public static readonly ActivitySource ActivitySource = new(UmpOrleansTelemetry.ActivitySourceName);

    /// <summary>The <c>traceparent</c> of a context, or null when there is none.</summary>
    public static string? TraceParent(in ActivityContext context) =>
        // Stryker disable once Conditional : equivalent; a default context formats as an all-zero traceparent, which StartReceive's TryParse rejects as it skips null.
        context == default ? null : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(byte)context.TraceFlags:x2}";

    /// <summary>Starts <c>ump.orleans.receive</c> as a child of the caller's context; null when nobody listens or there is no context.</summary>
    public static Activity? StartReceive(string? traceParent, string? traceState, string displayName)
    {
        // Stryker disable once Logical : the first || as && is equivalent (TryParse rejects a null traceparent; StartActivity gives null without listeners); the second is killed by the tracing tests.
        if (traceParent is null || !ActivitySource.HasListeners() ||
            !ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent))
        {
            return null;
        }

        var activity = ActivitySource.StartActivity(ReceiveActivity, ActivityKind.Server, parent);
        activity?.SetTag(ServerNameTag, displayName);
        return activity;
    }
}
