using System.Diagnostics;

namespace Ump.Hosting.Internal.Telemetry;

/// <summary>
/// What a hosted server's monitor keeps with one request from its send: the send time and, when the <c>Ump</c> activity
/// source has listeners, the caller's activity. The dispatcher reads it back from
/// <see cref="ReplyContext{TReply, TErr}.ObserverState"/>; the outcome, once known, tags the handler's activity.
/// </summary>
internal sealed class UmpRequestState(long sentTimestamp, ActivityContext parent)
{
    private const int Unknown = -1;

    private int _outcome = Unknown;

    /// <summary>Gets the <see cref="TimeProvider.GetTimestamp"/> of the send.</summary>
    public long SentTimestamp { get; } = sentTimestamp;

    /// <summary>Gets the caller's activity at the send; default when it had none, or nobody listened.</summary>
    public ActivityContext Parent { get; } = parent;

    /// <summary>Gets the request's outcome, once it reached the caller.</summary>
    public UmpOutcome? Outcome => Volatile.Read(ref _outcome) is var outcome and not Unknown ? (UmpOutcome)outcome : null;

    public void SetOutcome(UmpOutcome outcome) => Volatile.Write(ref _outcome, (int)outcome);
}
