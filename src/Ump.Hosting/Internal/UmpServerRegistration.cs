using System.Globalization;

namespace Ump.Hosting.Internal;

/// <summary>
/// The marker <c>AddUmpServer</c> leaves in the service collection, one per server, so a second call for the same server
/// registers nothing twice, and a clashing one (the same name with other types) fails at once.
/// </summary>
internal sealed record UmpServerRegistration(string Method, string Name, Type RequestType, Type ReplyType, Type ErrorType, Type HandlerType)
{
    /// <summary>Whether both stand for the same server: unnamed servers are told apart by their type arguments.</summary>
    public bool SameServer(UmpServerRegistration other) =>
        Name == other.Name && (Name.Length > 0 || (RequestType == other.RequestType && ReplyType == other.ReplyType && ErrorType == other.ErrorType));

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Method}<{RequestType.Name}, {ReplyType.Name}, {ErrorType.Name}, {HandlerType.Name}>");
}
