using System.Diagnostics.CodeAnalysis;

namespace Ump.Hosting.Internal;

/// <summary>
/// One <c>AddFilter</c> call: a keyed singleton (the server's name) per filter, so a server's dispatchers find its filters,
/// in the order added, with <c>GetKeyedServices</c>.
/// </summary>
internal sealed class UmpFilterRegistration<TReq, TReply, TErr>
{
    // A field, not an auto-property: the trimmer follows the annotation through it to the constructors it keeps.
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    private readonly Type _filterType;

    public UmpFilterRegistration([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type filterType) => _filterType = filterType;

    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    public Type FilterType => _filterType;
}
