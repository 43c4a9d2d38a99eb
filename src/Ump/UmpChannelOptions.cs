namespace Ump;

/// <summary>Options for <see cref="UmpChannel.Create{TReq, TReply, TErr}(UmpChannelOptions?)"/>.</summary>
public sealed class UmpChannelOptions
{
    /// <summary>
    /// Gets or sets how many requests may wait in the queue. A request the server has taken no longer counts.
    /// When the queue is full, sending waits for room (backpressure); the caller's token and
    /// <see cref="RequestTimeout"/> end that wait too.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the queue is unbounded. Otherwise at least 1.</value>
    public int? Capacity { get; set; }

    /// <summary>
    /// Gets or sets how long a caller waits for the outcome of a request, measured from the send (time spent
    /// waiting for room and in the queue included). When it passes, the caller gets a <see cref="TimeoutException"/>
    /// and gives up, exactly as for cancellation: a queued request is withdrawn, a taken one sees
    /// <see cref="ReplyContext{TReply, TErr}.RequestAborted"/> fire.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no timeout. Otherwise greater than zero.</value>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>Gets or sets the clock for <see cref="RequestTimeout"/>; tests pass a fake one.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets an observer of every request's send and outcome, for telemetry.</summary>
    /// <value>The default value is <see langword="null"/>: nothing is observed, and nothing is paid for it.</value>
    public UmpChannelObserver? Observer { get; set; }
}
