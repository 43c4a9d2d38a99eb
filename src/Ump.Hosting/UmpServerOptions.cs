using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ump.Hosting.Internal;

namespace Ump.Hosting;

/// <summary>
/// Options of one hosted Ump server, bindable from configuration (named options: the server's name).
/// Validated when the host starts; an invalid value stops the host with an
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming the server and the setting.
/// </summary>
/// <remarks>
/// The dispatcher reads the options once, when the host starts; later changes (configuration reloads) apply at the next start.
/// All unnamed servers (registered without a name) share the options of <see cref="Microsoft.Extensions.Options.Options.DefaultName"/>.
/// </remarks>
public sealed class UmpServerOptions
{
    /// <summary>Gets or sets how many <see cref="IUmpHandler{TReq, TReply, TErr}.HandleAsync"/> calls may run at once.</summary>
    /// <value>
    /// The default value is 1: requests are handled one at a time, in FIFO order. Between 1 and <see cref="int.MaxValue"/>.
    /// A reply the handler deferred to other code after returning does not count.
    /// </value>
    public int MaxConcurrency { get; set; } = UmpServerOptionsConstants.DefaultMaxConcurrency;

    /// <summary>Gets or sets how many requests may wait in the server's queue; a full queue makes senders wait (backpressure).</summary>
    /// <value>The default value is <see langword="null"/>: the queue is unbounded. Otherwise between 1 and <see cref="int.MaxValue"/>.</value>
    public int? Capacity { get; set; }

    /// <summary>
    /// Gets or sets how long a caller waits for the outcome of a request, measured from the send (queue time included);
    /// the caller then gets a <see cref="TimeoutException"/> and the handler's token fires.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no timeout. Otherwise greater than zero.</value>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>
    /// Gets or sets how long the server drains on host stop: queued and running requests may finish until then. At that
    /// deadline queued callers and callers of still-running handlers get <see cref="UmpErrorKind.ServerDisappeared"/>, then the
    /// handlers' tokens fire, and the stop goes on without waiting for handlers that ignore their token.
    /// </summary>
    /// <value>
    /// The default value is 30 seconds. Zero or greater. Keep the host's own <c>HostOptions.ShutdownTimeout</c> above it: when
    /// the host's timeout passes first, the drain ends there (and a warning is logged).
    /// </value>
    public TimeSpan ShutdownTimeout { get; set; } = UmpServerOptionsConstants.DefaultShutdownTimeout;

    /// <summary>Gets or sets how handler instances are created.</summary>
    /// <value>
    /// The default value is <see cref="ServiceLifetime.Scoped"/>: a fresh DI scope and handler per request, disposed after
    /// the handler returns (<see cref="ServiceLifetime.Transient"/> behaves the same).
    /// <see cref="ServiceLifetime.Singleton"/>: one handler for the server's life, created from the root provider when
    /// the host starts, for stateful handlers; with a <see cref="MaxConcurrency"/> above 1 it is called concurrently.
    /// </value>
    public ServiceLifetime HandlerLifetime { get; set; } = UmpServerOptionsConstants.DefaultHandlerLifetime;

    /// <summary>Gets or sets the level at which an exception thrown by a handler is logged.</summary>
    /// <value>The default value is <see cref="LogLevel.Error"/>. <see cref="LogLevel.None"/> turns the record off.</value>
    public LogLevel HandlerExceptionLogLevel { get; set; } = UmpServerOptionsConstants.DefaultHandlerExceptionLogLevel;

    /// <summary>Gets or sets the level at which a request failed with an application error (a <c>Fail</c>) is logged.</summary>
    /// <value>The default value is <see cref="LogLevel.Debug"/>. <see cref="LogLevel.None"/> turns the record off.</value>
    /// <remarks>
    /// The record (event 15, <c>RequestFailed</c>) names the server and the request type; it is written on the thread that
    /// called <c>Fail</c>, also when the handler deferred the answer to other code.
    /// </remarks>
    public LogLevel AppErrorLogLevel { get; set; } = UmpServerOptionsConstants.DefaultAppErrorLogLevel;

    /// <summary>
    /// Gets or sets how long a <see cref="IUmpHandler{TReq, TReply, TErr}.HandleAsync"/> call may run before it is reported as
    /// slow: once per call, while it still runs, with a Warning (event 4, <c>SlowHandler</c>) and the
    /// <c>ump.server.slow_handlers</c> counter. The request itself is untouched.
    /// </summary>
    /// <value>The default value is 200 milliseconds. <see langword="null"/> turns the check (and its timer per call) off; otherwise greater than zero (beyond about 49.7 days it is never reached).</value>
    public TimeSpan? SlowHandlerThreshold { get; set; } = UmpServerOptionsConstants.DefaultSlowHandlerThreshold;
}
