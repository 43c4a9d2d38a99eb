using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ump;
using Ump.Hosting;
using Ump.Hosting.Internal;
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
    public static IUmpServerBuilder AddUmpServer<TReq, TReply, TErr, THandler>(this IServiceCollection services)
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
    public static IUmpServerBuilder AddUmpServer<TReq, TReply, TErr, THandler>(this IServiceCollection services, string name, Action<UmpServerOptions>? configure = null)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return AddUmpServerCore<TReq, TReply, TErr, THandler>(services, name, configure);
    }

    private static UmpServerBuilder AddUmpServerCore<TReq, TReply, TErr, THandler>(IServiceCollection services, string name, Action<UmpServerOptions>? configure)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        var builder = new UmpServerBuilder(name, services, static (sp, key) => sp.GetRequiredKeyedService<UmpServerChannel<TReq, TReply, TErr>>(key).Monitor);
        var registration = new UmpServerRegistration(name, typeof(TReq), typeof(TReply), typeof(TErr), typeof(THandler));
        var existing = FindRegistration(services, registration);
        if (existing is null)
        {
            Register<TReq, TReply, TErr, THandler>(services, name, registration);
        }
        else if (existing != registration)
        {
            throw new InvalidOperationException(
                $"Ump server '{UmpServerOptionsConstants.DisplayName(name)}' is already registered by {existing.Describe()}; it cannot be registered again by {registration.Describe()}. Give the server another name.");
        }

        if (configure is not null)
        {
            services.Configure(name, configure);
        }

        return builder;
    }

    private static UmpServerRegistration? FindRegistration(IServiceCollection services, UmpServerRegistration registration)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(UmpServerRegistration) && !descriptor.IsKeyedService &&
                descriptor.ImplementationInstance is UmpServerRegistration other && other.SameServer(registration))
            {
                return other;
            }
        }

        return null;
    }

    private static void Register<TReq, TReply, TErr, THandler>(IServiceCollection services, string name, UmpServerRegistration registration)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        services.Add(ServiceDescriptor.Singleton(registration));
        services.AddOptions();
        services.AddOptions<UmpServerOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UmpServerOptions>, UmpServerOptionsValidator>());

        // The Ump meter, from the host's IMeterFactory (every generic host registers one); without one, no instruments.
        services.TryAddSingleton(static sp => new UmpMetrics(sp.GetService<IMeterFactory>()));

        services.AddKeyedSingleton(name, static (sp, key) => UmpServerChannel<TReq, TReply, TErr>.Create(sp, key));
        if (name.Length == 0)
        {
            services.AddScoped(static sp => sp.GetRequiredKeyedService<UmpServerChannel<TReq, TReply, TErr>>(OptionsNames.DefaultName).RootClient.Clone());
            services.AddSingleton<IUmpClientFactory<TReq, TReply, TErr>>(static sp =>
                new UmpClientFactory<TReq, TReply, TErr>(sp.GetRequiredKeyedService<UmpServerChannel<TReq, TReply, TErr>>(OptionsNames.DefaultName)));
        }
        else
        {
            services.AddKeyedScoped(name, static (sp, key) => sp.GetRequiredKeyedService<UmpServerChannel<TReq, TReply, TErr>>(key).RootClient.Clone());
            services.AddKeyedSingleton<IUmpClientFactory<TReq, TReply, TErr>>(name, static (sp, key) =>
                new UmpClientFactory<TReq, TReply, TErr>(sp.GetRequiredKeyedService<UmpServerChannel<TReq, TReply, TErr>>(key)));
        }

        // A factory registration, so several servers of the same types each get their own hosted service.
        services.AddSingleton<IHostedService>(sp => new UmpServerService<TReq, TReply, TErr, THandler>(name, sp));
    }
}
