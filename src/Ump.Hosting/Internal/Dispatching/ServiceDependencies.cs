using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Internal.Dispatching;

/// <summary>
/// Checks, without constructing anything, that the container can supply every constructor parameter of a class the
/// dispatcher creates with <see cref="ActivatorUtilities"/> (a handler), so a missing registration fails the start
/// instead of every request.
/// </summary>
internal static class ServiceDependencies
{
    /// <summary>
    /// Returns the first constructor parameter the container cannot supply, described for a message, or
    /// <see langword="null"/> when every one can be (or the container cannot tell).
    /// </summary>
    public static string? FindMissing([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type type, IServiceProvider services)
    {
        var isService = services.GetService<IServiceProviderIsService>();
        if (isService is null || Constructor(type) is not { } constructor)
        {
            // A third-party container that cannot answer, or a choice ActivatorUtilities itself reports at creation.
            return null;
        }

        foreach (var parameter in constructor.GetParameters())
        {
            if (parameter.HasDefaultValue)
            {
                continue;
            }

            if (parameter.GetCustomAttribute<FromKeyedServicesAttribute>() is { } keyed)
            {
                if (isService is IServiceProviderIsKeyedService isKeyed && !isKeyed.IsKeyedService(parameter.ParameterType, keyed.Key))
                {
                    return $"{parameter.ParameterType} (keyed \"{keyed.Key}\") for its parameter '{parameter.Name}'";
                }

                continue;
            }

            if (!isService.IsService(parameter.ParameterType))
            {
                return $"{parameter.ParameterType} for its parameter '{parameter.Name}'";
            }
        }

        return null;
    }

    /// <summary>The constructor <see cref="ActivatorUtilities.CreateFactory"/> uses with no extra arguments, when it is certain.</summary>
    private static ConstructorInfo? Constructor([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type type)
    {
        var constructors = type.GetConstructors();
        foreach (var constructor in constructors)
        {
            if (constructor.IsDefined(typeof(ActivatorUtilitiesConstructorAttribute)))
            {
                return constructor;
            }
        }

        return constructors.Length == 1 ? constructors[0] : null;
    }
}
