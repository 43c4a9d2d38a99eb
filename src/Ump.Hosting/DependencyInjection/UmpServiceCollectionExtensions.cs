using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ump;
using Ump.Hosting;
using Ump.Hosting.Internal;
using Ump.Hosting.Internal.Hosting;
using Ump.Hosting.Internal.Telemetry;
using OptionsNames = Microsoft.Extensions.Options.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers hosted Ump servers: <c>services.AddUmpServer&lt;TReq, TReply, TErr, THandler&gt;()</c>.</summary>
public static class UmpServiceCollectionExtensions
{
    /// <summary>
    /// Registers the unnamed Ump server of these type arguments: its channel, a dispatch <see cref="IHostedService"/> running
    /// <typeparamref name="THandler"/>, a scoped <see cref="Client{TReq, TReply, TErr}"/> and a singleton
    /// <see cref="IUmpClientFactory{TReq, TReply, TErr}"/>, all unkeyed; its options are <see cref="UmpServerOptions"/> of
    /// <see cref="OptionsNames.DefaultName"/>, validated when the host starts.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type; <see cref="NoError"/> when requests never fail with an application error.</typeparam>
    /// <typeparam name="THandler">The handler class; created by the dispatcher, it needs no registration of its own.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to configure the server's options.</returns>
    /// <remarks>
    /// Calling it again with the same type arguments and handler registers nothing more. Every unnamed server shares the
    /// options of <see cref="OptionsNames.DefaultName"/>; name servers to configure them apart.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The unnamed server of these type arguments is already registered with another handler.</exception>
    public static IUmpServerBuilder AddUmpServer<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(this IServiceCollection services)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddUmpServerCore<TReq, TReply, TErr, THandler>(services, OptionsNames.DefaultName, configure: null);
    }

    /// <summary>
    /// Registers a named Ump server: its channel, a dispatch <see cref="IHostedService"/> running <typeparamref name="THandler"/>,
    /// a scoped <see cref="Client{TReq, TReply, TErr}"/> and a singleton <see cref="IUmpClientFactory{TReq, TReply, TErr}"/>,
    /// both keyed by <paramref name="name"/> (<c>[FromKeyedServices("orders")]</c>); its options are the
    /// <see cref="UmpServerOptions"/> named <paramref name="name"/>, validated when the host starts.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type; <see cref="NoError"/> when requests never fail with an application error.</typeparam>
    /// <typeparam name="THandler">The handler class; created by the dispatcher, it needs no registration of its own.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The server's name: its options name and service key. Not empty.</param>
    /// <param name="configure">Configures the server's options; <see langword="null"/> for none.</param>
    /// <returns>A builder to configure the server's options further.</returns>
    /// <remarks>
    /// Servers with the same type arguments and different names are independent. Calling it again with the same name, type
    /// arguments and handler registers nothing more (<paramref name="configure"/> still applies).
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A server named <paramref name="name"/> is already registered with other type arguments or another handler.</exception>
    public static IUmpServerBuilder AddUmpServer<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(this IServiceCollection services, string name, Action<UmpServerOptions>? configure = null)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return AddUmpServerCore<TReq, TReply, TErr, THandler>(services, name, configure);
    }

    /// <summary>
    /// Registers a named Ump server without hosting it: its options (validated when the host starts), its handler and a
    /// keyed <see cref="IUmpDispatcherFactory{TReq, TReply, TErr}"/>, but no hosted service, channel or clients. For code that
    /// runs the server's dispatchers under a lifecycle of its own, such as one per grain activation.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <typeparam name="THandler">The handler class; created by each dispatcher, it needs no registration of its own.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The server's name: its options name and service key. Not empty.</param>
    /// <param name="configure">Configures the server's options; <see langword="null"/> for none.</param>
    /// <returns>A builder to configure the server's options further.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A server named <paramref name="name"/> is already registered otherwise.</exception>
    public static IUmpServerBuilder AddUmpDispatcher<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IServiceCollection services, string name, Action<UmpServerOptions>? configure = null)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var registration = new UmpServerRegistration(nameof(AddUmpDispatcher), name, typeof(TReq), typeof(TReply), typeof(TErr), typeof(THandler));
        if (TryRegister(services, registration))
        {
            RegisterDefinition<TReq, TReply, TErr, THandler>(services, name);
        }

        return Configured(DispatcherBuilder<TReq, TReply, TErr>(name, services), configure);
    }

    private static UmpServerBuilder AddUmpServerCore<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        IServiceCollection services, string name, Action<UmpServerOptions>? configure)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        var registration = new UmpServerRegistration(nameof(AddUmpServer), name, typeof(TReq), typeof(TReply), typeof(TErr), typeof(THandler));
        if (TryRegister(services, registration))
        {
            RegisterDefinition<TReq, TReply, TErr, THandler>(services, name);
            RegisterHosting<TReq, TReply, TErr>(services, name);
        }

        return Configured(HostedBuilder<TReq, TReply, TErr>(name, services), configure);
    }

    /// <summary>
    /// Returns the builder of the unnamed Ump server of these type arguments, registered earlier (by <c>AddUmpServer</c>, say,
    /// in code that is not yours), to add to it: its filters, options or health check.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns>The server's builder.</returns>
    /// <exception cref="InvalidOperationException">No unnamed server of these type arguments is registered.</exception>
    public static IUmpServerBuilder ConfigureUmpServer<TReq, TReply, TErr>(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return ConfigureCore<TReq, TReply, TErr>(services, OptionsNames.DefaultName);
    }

    /// <summary>
    /// Returns the builder of the Ump server named <paramref name="name"/>, registered earlier (by <c>AddUmpServer</c> or
    /// <c>AddUmpOrleansServer</c>, say, in code that is not yours), to add to it: its filters, options or health check.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The server's name. Not empty.</param>
    /// <returns>The server's builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">No server named <paramref name="name"/> with these type arguments is registered.</exception>
    public static IUmpServerBuilder ConfigureUmpServer<TReq, TReply, TErr>(this IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return ConfigureCore<TReq, TReply, TErr>(services, name);
    }

    private static UmpServerBuilder ConfigureCore<TReq, TReply, TErr>(IServiceCollection services, string name)
    {
        var wanted = new UmpServerRegistration(nameof(ConfigureUmpServer), name, typeof(TReq), typeof(TReply), typeof(TErr), typeof(void));
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(UmpServerRegistration) && !descriptor.IsKeyedService &&
                descriptor.ImplementationInstance is UmpServerRegistration registered && registered.SameServer(wanted))
            {
                if (registered.RequestType != wanted.RequestType || registered.ReplyType != wanted.ReplyType || registered.ErrorType != wanted.ErrorType)
                {
                    throw new InvalidOperationException(
                        $"Ump server '{UmpServerOptionsConstants.DisplayName(name)}' is registered by {registered.Describe()}, not with the type arguments <{typeof(TReq).Name}, {typeof(TReply).Name}, {typeof(TErr).Name}>.");
                }

                return registered.Method == nameof(AddUmpServer) ? HostedBuilder<TReq, TReply, TErr>(name, services) : DispatcherBuilder<TReq, TReply, TErr>(name, services);
            }
        }

        throw new InvalidOperationException(
            $"No Ump server '{UmpServerOptionsConstants.DisplayName(name)}' of <{typeof(TReq).Name}, {typeof(TReply).Name}, {typeof(TErr).Name}> is registered. Register it first (AddUmpServer), then configure it.");
    }

    private static UmpServerBuilder<TReq, TReply, TErr> HostedBuilder<TReq, TReply, TErr>(string name, IServiceCollection services) =>
        new(name, services, static (sp, key) => sp.GetRequiredKeyedService<UmpDispatcher<TReq, TReply, TErr>>(key));

    private static UmpServerBuilder<TReq, TReply, TErr> DispatcherBuilder<TReq, TReply, TErr>(string name, IServiceCollection services) =>
        new(name, services, static (sp, key) => (IUmpServerStatus)sp.GetRequiredKeyedService<IUmpDispatcherFactory<TReq, TReply, TErr>>(key));

    private static UmpServerBuilder Configured(UmpServerBuilder builder, Action<UmpServerOptions>? configure)
    {
        if (configure is not null)
        {
            builder.Services.Configure(builder.Name, configure);
        }

        return builder;
    }

    /// <summary>Adds the server's marker; false when the same server is already registered (nothing to add again).</summary>
    private static bool TryRegister(IServiceCollection services, UmpServerRegistration registration)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(UmpServerRegistration) && !descriptor.IsKeyedService &&
                descriptor.ImplementationInstance is UmpServerRegistration other && other.SameServer(registration))
            {
                if (other != registration)
                {
                    throw new InvalidOperationException(
                        $"Ump server '{UmpServerOptionsConstants.DisplayName(registration.Name)}' is already registered by {other.Describe()}; it cannot be registered again by {registration.Describe()}. Give the server another name.");
                }

                return false;
            }
        }

        services.Add(ServiceDescriptor.Singleton(registration));
        return true;
    }

    /// <summary>What every server has: options validated at start, the meter, and its dispatcher factory (keyed by the name).</summary>
    private static void RegisterDefinition<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(IServiceCollection services, string name)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        // Stryker disable once Statement : equivalent; AddOptions<UmpServerOptions>(name) on the next line calls services.AddOptions() itself.
        services.AddOptions();
        services.AddOptions<UmpServerOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UmpServerOptions>, UmpServerOptionsValidator>());

        // The Ump meter, from the host's IMeterFactory (every generic host registers one); without one, no instruments.
        services.TryAddSingleton(static sp => new UmpMetrics(sp.GetService<IMeterFactory>()));
        services.AddKeyedSingleton<IUmpDispatcherFactory<TReq, TReply, TErr>>(name, static (sp, key) => new UmpDispatcherFactory<TReq, TReply, TErr, THandler>(sp, (string)key!));
    }

    /// <summary>What a hosted server adds: its one dispatcher, its clients, and the hosted service that drives it.</summary>
    private static void RegisterHosting<TReq, TReply, TErr>(IServiceCollection services, string name)
    {
        services.AddKeyedSingleton(name, static (sp, key) => sp.GetRequiredKeyedService<IUmpDispatcherFactory<TReq, TReply, TErr>>(key).CreateDispatcher());
        if (name.Length == 0)
        {
            services.AddScoped(static sp => sp.GetRequiredKeyedService<UmpDispatcher<TReq, TReply, TErr>>(OptionsNames.DefaultName).CreateClient());
            services.AddSingleton<IUmpClientFactory<TReq, TReply, TErr>>(static sp =>
                new UmpClientFactory<TReq, TReply, TErr>(sp.GetRequiredKeyedService<UmpDispatcher<TReq, TReply, TErr>>(OptionsNames.DefaultName)));
        }
        else
        {
            services.AddKeyedScoped(name, static (sp, key) => sp.GetRequiredKeyedService<UmpDispatcher<TReq, TReply, TErr>>(key).CreateClient());
            services.AddKeyedSingleton<IUmpClientFactory<TReq, TReply, TErr>>(name, static (sp, key) =>
                new UmpClientFactory<TReq, TReply, TErr>(sp.GetRequiredKeyedService<UmpDispatcher<TReq, TReply, TErr>>(key)));
        }

        // A factory registration, so several servers of the same types each get their own hosted service.
        services.AddSingleton<IHostedService>(sp => new UmpHostedServer<TReq, TReply, TErr>(sp.GetRequiredKeyedService<UmpDispatcher<TReq, TReply, TErr>>(name)));
    }
}
