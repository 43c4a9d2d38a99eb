using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ump.Hosting.Internal;

/// <summary>Defaults and limits of <see cref="UmpServerOptions"/>.</summary>
internal static class UmpServerOptionsConstants
{
    public const int DefaultMaxConcurrency = 1;

    public const ServiceLifetime DefaultHandlerLifetime = ServiceLifetime.Scoped;

    public const LogLevel DefaultHandlerExceptionLogLevel = LogLevel.Error;

    public const LogLevel DefaultAppErrorLogLevel = LogLevel.Debug;

    /// <summary>How the unnamed server is named in messages and log records.</summary>
    public const string UnnamedServerDisplayName = "(unnamed)";

    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan DefaultSlowHandlerThreshold = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest due time a timer accepts (<c>uint.MaxValue - 1</c> milliseconds, about 49.7 days).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static string DisplayName(string? name) => string.IsNullOrEmpty(name) ? UnnamedServerDisplayName : name;
}
