using System.Diagnostics.CodeAnalysis;
using Ump.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures a hosted Ump server's <see cref="UmpServerOptions"/> (named options: the server's name).</summary>
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
    /// Values are validated when the host starts.
    /// </summary>
    /// <param name="builder">The server builder.</param>
    /// <param name="configSectionPath">The section's path, with <c>:</c> between levels.</param>
    /// <returns>The same builder.</returns>
    [RequiresDynamicCode("Binding strongly typed objects to configuration values may require generating dynamic code at runtime.")]
    [RequiresUnreferencedCode("UmpServerOptions's dependent types may have their members trimmed. Ensure all required members are preserved.")]
    public static IUmpServerBuilder BindConfiguration(this IUmpServerBuilder builder, string configSectionPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(configSectionPath);
        builder.Services.AddOptions<UmpServerOptions>(builder.Name).BindConfiguration(configSectionPath);
        return builder;
    }
}
