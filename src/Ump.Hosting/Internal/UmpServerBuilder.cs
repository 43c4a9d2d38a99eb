using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Internal;

internal sealed class UmpServerBuilder(string name, IServiceCollection services) : IUmpServerBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;
}
