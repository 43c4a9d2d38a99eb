using System.Diagnostics.CodeAnalysis;

namespace Ump.Hosting.Internal;

/// <summary>
/// One <c>AddFilter</c> call: a keyed singleton (the server's name) per filter, so a server's dispatchers find its filters,
/// in the order added, with <c>GetKeyedServices</c>.
/// </summary>
internal sealed class UmpFilterRegistration<TReq, TReply, TErr>(
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type filterType)
{
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    public Type FilterType { get; } = filterType;
}
