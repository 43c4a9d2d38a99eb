using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Internal;

/// <param name="name">The server's name.</param>
/// <param name="services">The service collection.</param>
/// <param name="resolveMonitor">Finds this server's monitor (its channel's, by name and type arguments), for its health check.</param>
internal sealed class UmpServerBuilder(string name, IServiceCollection services, Func<IServiceProvider, string, UmpServerMonitor> resolveMonitor) : IUmpServerBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;

    public UmpServerMonitor ResolveMonitor(IServiceProvider serviceProvider) => resolveMonitor(serviceProvider, Name);
}
