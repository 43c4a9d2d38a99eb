using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ump.Hosting.Internal;

/// <summary>
/// Validates <see cref="UmpServerOptions"/>, with messages that name
/// the server, the setting and the bad value, such as <c>Ump server 'orders': MaxConcurrency must be between 1 and 2147483647 (was 0).</c>
/// </summary>
internal sealed class UmpServerOptionsValidator : IValidateOptions<UmpServerOptions>
{
    public ValidateOptionsResult Validate(string? name, UmpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"Ump server '{UmpServerOptionsConstants.DisplayName(name)}': ");
        List<string>? failures = null;

        // Plain checks rather than DataAnnotations: they hold under trimming and Native AOT, where reflection over attributes does not.
        if (options.MaxConcurrency < 1)
        {
            Add(ref failures, string.Create(CultureInfo.InvariantCulture, $"{prefix}MaxConcurrency must be between 1 and {int.MaxValue} (was {options.MaxConcurrency})."));
        }

        if (options.Capacity is { } capacity && capacity < 1)
        {
            Add(ref failures, string.Create(CultureInfo.InvariantCulture, $"{prefix}Capacity must be between 1 and {int.MaxValue} (was {capacity})."));
        }

        if (options.RequestTimeout is { } requestTimeout && (requestTimeout <= TimeSpan.Zero || requestTimeout > UmpServerOptionsConstants.MaxTimeout))
        {
            Add(ref failures, Format(prefix, nameof(UmpServerOptions.RequestTimeout), "must be greater than zero and at most", UmpServerOptionsConstants.MaxTimeout, requestTimeout, "or null for no timeout"));
        }

        if (options.ShutdownTimeout < TimeSpan.Zero || options.ShutdownTimeout > UmpServerOptionsConstants.MaxTimeout)
        {
            Add(ref failures, Format(prefix, nameof(UmpServerOptions.ShutdownTimeout), "must be zero or greater and at most", UmpServerOptionsConstants.MaxTimeout, options.ShutdownTimeout, null));
        }

        if (options.SlowHandlerThreshold is { } threshold && threshold <= TimeSpan.Zero)
        {
            Add(ref failures, string.Create(CultureInfo.InvariantCulture, $"{prefix}SlowHandlerThreshold must be greater than zero, or null to turn the check off (was {threshold})."));
        }

        if (options.HandlerLifetime is not (ServiceLifetime.Singleton or ServiceLifetime.Scoped or ServiceLifetime.Transient))
        {
            Add(ref failures, string.Create(CultureInfo.InvariantCulture, $"{prefix}HandlerLifetime must be Singleton, Scoped or Transient (was {(int)options.HandlerLifetime})."));
        }

        CheckLevel(ref failures, prefix, nameof(UmpServerOptions.HandlerExceptionLogLevel), options.HandlerExceptionLogLevel);
        CheckLevel(ref failures, prefix, nameof(UmpServerOptions.AppErrorLogLevel), options.AppErrorLogLevel);

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckLevel(ref List<string>? failures, string prefix, string setting, LogLevel level)
    {
        if (level is < LogLevel.Trace or > LogLevel.None)
        {
            Add(ref failures, string.Create(CultureInfo.InvariantCulture, $"{prefix}{setting} must be a LogLevel from Trace to None (was {(int)level})."));
        }
    }

    private static string Format(string prefix, string setting, string rule, TimeSpan max, TimeSpan value, string? alternative) =>
        alternative is null
            ? string.Create(CultureInfo.InvariantCulture, $"{prefix}{setting} {rule} {max:c} (was {value:c}).")
            : string.Create(CultureInfo.InvariantCulture, $"{prefix}{setting} {rule} {max:c}, {alternative} (was {value:c}).");

    private static void Add(ref List<string>? failures, string failure) => (failures ??= []).Add(failure);
}
