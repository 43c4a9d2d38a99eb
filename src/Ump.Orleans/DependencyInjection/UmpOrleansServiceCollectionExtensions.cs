using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ump;
using Ump.Hosting;
using Ump.Orleans;
using Ump.Orleans.Internal.Calling;
using Ump.Orleans.Internal.Serving;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves an Ump server from Orleans grains, and calls it from anywhere in the cluster with the usual client.</summary>
public static class UmpOrleansServiceCollectionExtensions
{
    /// <summary>
    /// Serves the Ump server <paramref name="name"/> from grains of this silo (register it on every silo): each grain
    /// activation runs <typeparamref name="THandler"/> through a dispatcher of its own, exactly as <c>AddUmpServer</c> does
    /// in one process (<see cref="UmpServerOptions"/> named <paramref name="name"/>: handler lifetime, concurrency, timeouts,
    /// slow-handler watch, telemetry). A silo that stops drains its activations like a host stop.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <typeparam name="THandler">The handler class.</typeparam>
    /// <param name="services">The silo's service collection.</param>
    /// <param name="name">The server's name, the same on its callers.</param>
    /// <param name="configure">Configures the server's options; optional.</param>
    /// <returns>The server's builder: <c>Configure</c>, <c>BindConfiguration</c>, <c>AddHealthCheck</c> and <c>ConfigureOrleans</c> apply.</returns>
    public static IUmpServerBuilder AddUmpOrleansServer<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IServiceCollection services, string name, Action<UmpServerOptions>? configure = null)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ThrowIfReserved(name);
        var builder = services.AddUmpDispatcher<TReq, TReply, TErr, THandler>(name, configure);
        AddOrleansOptions(services, name).Validate<IOptionsMonitor<UmpServerOptions>>(
            (orleans, options) => orleans.Partitions == 1 || options.Get(name).HandlerLifetime != ServiceLifetime.Singleton,
            $"Ump server '{name}': a Singleton handler keeps its state in one activation, so it needs Partitions = 1. Use one partition, or a Scoped or Transient handler that keeps its state elsewhere.");
        services.TryAddKeyedSingleton<UmpGrainServer>(name, static (sp, key) => new UmpGrainServer<TReq, TReply, TErr>(
            (string)key!,
            sp.GetRequiredKeyedService<IUmpDispatcherFactory<TReq, TReply, TErr>>(key),
            sp.GetRequiredService<IOptionsMonitor<UmpOrleansOptions>>().Get((string)key!).Codec));
        return builder;
    }

    /// <summary>
    /// Calls the Ump server <paramref name="name"/> served by the cluster: registers a scoped
    /// <see cref="Client{TReq, TReply, TErr}"/> and a singleton <see cref="IUmpClientFactory{TReq, TReply, TErr}"/> keyed by
    /// <paramref name="name"/>, as <c>AddUmpServer</c> does, so callers do not change. Needs an <c>IGrainFactory</c>: an
    /// Orleans client (<c>UseOrleansClient</c>) or a silo in the same host. A caller's concurrent requests are sent at once,
    /// not one after another.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The caller's service collection.</param>
    /// <param name="name">The server's name, as given to <c>AddUmpOrleansServer</c>.</param>
    /// <param name="configure">Configures the options the callers use (<see cref="UmpServerOptions.RequestTimeout"/>, <see cref="UmpServerOptions.Capacity"/> of the local queue, <see cref="UmpServerOptions.ShutdownTimeout"/> for requests on the wire at stop); optional.</param>
    /// <returns>The builder: <c>Configure</c>, <c>BindConfiguration</c> and <c>ConfigureOrleans</c> apply.</returns>
    public static IUmpServerBuilder AddUmpOrleansClient<TReq, TReply, TErr>(this IServiceCollection services, string name, Action<UmpServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ThrowIfReserved(name);
        var builder = new UmpOrleansBuilder(name, services);
        if (configure is not null)
        {
            services.Configure(name, configure);
        }

        if (services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, name) && d.ServiceType == typeof(UmpOrleansCaller<TReq, TReply, TErr>)))
        {
            return builder;
        }

        services.AddOptions<UmpServerOptions>(name).ValidateOnStart()
            .Validate(o => o.RequestTimeout is null || (o.RequestTimeout > TimeSpan.Zero && o.RequestTimeout <= MaxTimeout), $"Ump server '{name}': RequestTimeout must be positive and at most {MaxTimeout}, or null for none.")
            .Validate(o => o.Capacity is null or >= 1, $"Ump server '{name}': Capacity must be at least 1, or null for an unbounded queue.")
            .Validate(o => o.ShutdownTimeout >= TimeSpan.Zero && o.ShutdownTimeout <= MaxTimeout, $"Ump server '{name}': ShutdownTimeout must be zero or positive and at most {MaxTimeout}.");
        AddOrleansOptions(services, name);
        services.AddKeyedSingleton(name, static (sp, key) => new UmpOrleansCaller<TReq, TReply, TErr>((string)key!, sp));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<UmpOrleansCaller<TReq, TReply, TErr>>(name));
        services.AddKeyedScoped(name, static (sp, key) => sp.GetRequiredKeyedService<UmpOrleansCaller<TReq, TReply, TErr>>(key).CreateClient());
        services.AddKeyedSingleton<IUmpClientFactory<TReq, TReply, TErr>>(name, static (sp, key) =>
            new CallerClientFactory<TReq, TReply, TErr>(sp.GetRequiredKeyedService<UmpOrleansCaller<TReq, TReply, TErr>>(key)));
        return builder;
    }

    /// <summary>Configures how the server crosses Orleans (partitions, payload codec); the same on its silos and its callers.</summary>
    /// <param name="builder">The builder <c>AddUmpOrleansServer</c> or <c>AddUmpOrleansClient</c> returned.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IUmpServerBuilder ConfigureOrleans(this IUmpServerBuilder builder, Action<UmpOrleansOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(builder.Name, configure);
        return builder;
    }

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private static OptionsBuilder<UmpOrleansOptions> AddOrleansOptions(IServiceCollection services, string name) =>
        services.AddOptions<UmpOrleansOptions>(name).ValidateOnStart()
            .Validate(o => o.Partitions >= 1, $"Ump server '{name}': Partitions must be at least 1.")
            .Validate(o => o.Codec is not null, $"Ump server '{name}': Codec must not be null.");

    private static void ThrowIfReserved(string name)
    {
        if (name.Contains('#', StringComparison.Ordinal))
        {
            throw new ArgumentException($"An Ump server's name cannot contain '#' (was '{name}'): it separates the name from the partition in grain keys.", nameof(name));
        }
    }

    private sealed class CallerClientFactory<TReq, TReply, TErr>(UmpOrleansCaller<TReq, TReply, TErr> caller) : IUmpClientFactory<TReq, TReply, TErr>
    {
        public Client<TReq, TReply, TErr> CreateClient() => caller.CreateClient();
    }

    private sealed class UmpOrleansBuilder(string name, IServiceCollection services) : IUmpServerBuilder
    {
        public string Name { get; } = name;

        public IServiceCollection Services { get; } = services;
    }
}
