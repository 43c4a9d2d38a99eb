using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Internal;

/// <param name="name">The server's name.</param>
/// <param name="services">The service collection.</param>
/// <param name="resolveStatus">Finds what this server's health check reports (by name and type arguments).</param>
internal sealed class UmpServerBuilder(string name, IServiceCollection services, Func<IServiceProvider, string, IUmpServerStatus> resolveStatus) : IUmpServerBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;

    public IUmpServerStatus ResolveStatus(IServiceProvider serviceProvider) => resolveStatus(serviceProvider, Name);
}
