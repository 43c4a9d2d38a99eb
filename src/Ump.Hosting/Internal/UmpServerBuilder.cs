using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Internal;

/// <summary>The builder every Ump registration method returns for a server it serves.</summary>
/// <param name="name">The server's name.</param>
/// <param name="services">The service collection.</param>
internal abstract class UmpServerBuilder(string name, IServiceCollection services) : IUmpServerBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;

    /// <summary>Finds what this server's health check reports.</summary>
    public abstract IUmpServerStatus ResolveStatus(IServiceProvider serviceProvider);

    /// <summary>Adds a filter after those added before; throws <see cref="ArgumentException"/> when it is no filter of this server's types.</summary>
    public abstract void AddFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>()
        where TFilter : class;
}

/// <inheritdoc/>
/// <param name="name">The server's name.</param>
/// <param name="services">The service collection.</param>
/// <param name="resolveStatus">Finds what this server's health check reports (by name and type arguments).</param>
internal sealed class UmpServerBuilder<TReq, TReply, TErr>(string name, IServiceCollection services, Func<IServiceProvider, string, IUmpServerStatus> resolveStatus)
    : UmpServerBuilder(name, services)
{
    public override IUmpServerStatus ResolveStatus(IServiceProvider serviceProvider) => resolveStatus(serviceProvider, Name);

    public override void AddFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>()
    {
        if (!typeof(IUmpFilter<TReq, TReply, TErr>).IsAssignableFrom(typeof(TFilter)))
        {
            throw new ArgumentException(
                $"{typeof(TFilter)} cannot filter Ump server '{UmpServerOptionsConstants.DisplayName(Name)}': it does not implement {typeof(IUmpFilter<TReq, TReply, TErr>)}.",
                nameof(TFilter));
        }

        Services.AddKeyedSingleton(Name, new UmpFilterRegistration<TReq, TReply, TErr>(typeof(TFilter)));
    }
}
