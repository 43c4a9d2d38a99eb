using Microsoft.Extensions.Options;

namespace Ump.Samples.Worker;

/// <summary>Turns what options validation throws into the one line the Worker prints before exiting.</summary>
internal static class ConfigurationErrors
{
    public static string Describe(Exception exception) => exception switch
    {
        OptionsValidationException validation => string.Join("; ", validation.Failures),
        AggregateException aggregate => string.Join("; ", aggregate.InnerExceptions.Select(Describe)),
        _ => exception.Message,
    };
}
