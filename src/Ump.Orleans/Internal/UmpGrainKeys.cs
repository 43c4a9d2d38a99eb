using System.Globalization;

namespace Ump.Orleans.Internal;

/// <summary>Grain keys: the server's name, <c>#</c>, and the partition.</summary>
internal static class UmpGrainKeys
{
    public static string Key(string name, int partition) => string.Create(CultureInfo.InvariantCulture, $"{name}#{partition}");

    public static string ServerName(string key) => key[..key.LastIndexOf('#')];
}
