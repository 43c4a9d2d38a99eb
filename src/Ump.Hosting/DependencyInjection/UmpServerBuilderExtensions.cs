using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Ump.Hosting;
using Ump.Hosting.Internal;
using Ump.Hosting.Internal.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures a hosted Ump server: its <see cref="UmpServerOptions"/> (named options: the server's name), its filters and its health check.</summary>
public static class UmpServerBuilderExtensions
{
    /// <summary>Configures the server's options in code; runs after earlier configuration, in registration order.</summary>
    /// <param name="builder">The server builder.</param>
    /// <param name="configure">Sets options.</param>
    /// <returns>The same builder.</returns>
    public static IUmpServerBuilder Configure(this IUmpServerBuilder builder, Action<UmpServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(builder.Name, configure);
        return builder;
    }

    /// <summary>
    /// Binds the server's options to a configuration section, such as <c>"Ump:Orders"</c> of <c>appsettings.json</c>.
    /// Values are validated when the host starts; a key in the section that names no option (a misspelling such as
    /// <c>MaxConcurency</c>) stops the host with an <see cref="InvalidOperationException"/> that names the key.
    /// </summary>
    /// <param name="builder">The server builder.</param>
    /// <param name="configSectionPath">The section's path, with <c>:</c> between levels.</param>
    /// <returns>The same builder.</returns>
    public static IUmpServerBuilder BindConfiguration(this IUmpServerBuilder builder, string configSectionPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(configSectionPath);
        string name = builder.Name;
        builder.Services.AddOptions<UmpServerOptions>(name).Configure<IConfiguration>((options, configuration) =>
        {
            try
            {
                configuration.GetSection(configSectionPath).Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException ex)
            {
                // The binder's message names the unknown key; say which server and section it came from.
                throw new InvalidOperationException(
                    $"Ump server '{name}': the configuration section '{configSectionPath}' does not bind to {nameof(UmpServerOptions)}. {ex.Message}",
                    ex);
            }
        });
        return builder;
    }

    /// <summary>
    /// Adds a filter that runs around every handler call of the server, inside the filters added before it (the first added is
    /// outermost). It is created like the handler: in the request's scope, or once for a
    /// <see cref="ServiceLifetime.Singleton"/> handler; a constructor dependency that is not registered stops the host's start.
    /// </summary>
    /// <typeparam name="TFilter">The filter class: an <see cref="IUmpFilter{TReq, TReply, TErr}"/> of the server's type arguments. It needs no registration of its own.</typeparam>
    /// <param name="builder">The server builder, from <c>AddUmpServer</c>, <c>AddUmpDispatcher</c> or <c>ConfigureUmpServer</c>.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException">
    /// <typeparamref name="TFilter"/> is no <see cref="IUmpFilter{TReq, TReply, TErr}"/> of the server's type arguments, or
    /// <paramref name="builder"/> is not one of a server that runs handlers here (an Orleans caller's, say: filters run where the handler runs).
    /// </exception>
    public static IUmpServerBuilder AddFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>(this IUmpServerBuilder builder)
        where TFilter : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder is not UmpServerBuilder server)
        {
            throw new ArgumentException(
                $"Ump server '{UmpServerOptionsConstants.DisplayName(builder.Name)}' runs no handlers here, so it takes no filters: add them where the server is registered (AddUmpServer, AddUmpOrleansServer).",
                nameof(builder));
        }

        server.AddFilter<TFilter>();
        return builder;
    }

    /// <summary>
    /// Adds a health check of this server to <c>services.AddHealthChecks()</c>: Unhealthy (or <paramref name="failureStatus"/>)
    /// when its dispatch loop is not running (not started, stopping, stopped or failed), Degraded when its queue is longer than
    /// <paramref name="degradedQueueLength"/>, Healthy otherwise. The result's data holds the server's name, the loop's state,
    /// the queue length and the running handlers.
    /// </summary>
    /// <param name="builder">The server builder, from <c>AddUmpServer</c>.</param>
    /// <param name="degradedQueueLength">
    /// Degraded when more requests than this wait in the queue. <see langword="null"/> (the default): Degraded when a bounded
    /// queue (<see cref="UmpServerOptions.Capacity"/>) is full, never for an unbounded one. Zero or greater.
    /// </param>
    /// <param name="name">The check's name; <see langword="null"/> for <c>ump:</c> and the server's name (<c>ump:orders</c>, <c>ump:(unnamed)</c>).</param>
    /// <param name="failureStatus">The status reported when the loop is not running; <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by, such as <c>"ready"</c>.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="builder"/> does not come from <c>AddUmpServer</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="degradedQueueLength"/> is negative.</exception>
    public static IUmpServerBuilder AddHealthCheck(
        this IUmpServerBuilder builder,
        int? degradedQueueLength = null,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder is not UmpServerBuilder server)
        {
            throw new ArgumentException("The builder must be the one AddUmpServer (or another Ump registration method) returned.", nameof(builder));
        }

        if (degradedQueueLength is { } threshold)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(threshold, nameof(degradedQueueLength));
        }

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name ?? "ump:" + UmpServerOptionsConstants.DisplayName(builder.Name),
            sp => new UmpServerHealthCheck(server.ResolveStatus(sp), degradedQueueLength),
            failureStatus,
            tags));
        return builder;
    }
}
