namespace Ump;

/// <summary>
/// Watches the requests of one channel, for metrics, traces and logs: set it with
/// <see cref="UmpChannelOptions.Observer"/>. A channel without an observer pays nothing for this.
/// </summary>
/// <remarks>
/// The methods run on whichever thread moves the request (the caller's, the server's, a timer's or the finalizer's),
/// so they must be quick, thread-safe and must not throw.
/// </remarks>
public abstract class UmpChannelObserver
{
    /// <summary>Called on the caller's thread as it sends a request. The value is kept with the request.</summary>
    /// <returns>A value to keep with the request, such as the send time and the caller's activity; passed back to the other methods and readable from <see cref="ReplyContext{TReply, TErr}.ObserverState"/>.</returns>
    public virtual object? OnRequestSent() => null;

    /// <summary>Called exactly once per request, right after its outcome reached the caller, on the thread that decided it.</summary>
    /// <param name="state">The value <see cref="OnRequestSent"/> returned for this request.</param>
    /// <param name="outcome">How the request ended.</param>
    public virtual void OnRequestCompleted(object? state, UmpOutcome outcome)
    {
    }

    /// <summary>
    /// Called on the finalizer thread when the reply context of a taken request was garbage-collected without an
    /// answer, just before its caller gets <see cref="UmpErrorKind.NoReply"/>.
    /// </summary>
    /// <param name="state">The value <see cref="OnRequestSent"/> returned for this request.</param>
    public virtual void OnReplyContextCollected(object? state)
    {
    }
}
