using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting;

/// <summary>
/// Configures one hosted Ump server registered with <c>AddUmpServer</c>. Extension methods such as
/// <c>Configure</c> and <c>BindConfiguration</c> write the server's named <see cref="UmpServerOptions"/>.
/// </summary>
public interface IUmpServerBuilder
{
    /// <summary>Gets the server's name: the options name, and the service key of its client, client factory and channel.</summary>
    /// <value><see cref="Microsoft.Extensions.Options.Options.DefaultName"/> (an empty string) for the unnamed server.</value>
    string Name { get; }

    /// <summary>Gets the service collection the server is registered in.</summary>
    IServiceCollection Services { get; }
}
