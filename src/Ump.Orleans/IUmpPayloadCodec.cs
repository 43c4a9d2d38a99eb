namespace Ump.Orleans;

/// <summary>
/// Turns a server's requests, replies and application errors into bytes and back, so user types need no Orleans attributes
/// and no entry in Orleans' type allow-list. The silos and the callers of one server must use the same codec.
/// </summary>
/// <remarks>Implementations must be thread-safe: one instance serves every request of a server.</remarks>
public interface IUmpPayloadCodec
{
    /// <summary>Serializes a request, reply or application error.</summary>
    /// <typeparam name="T">The value's declared type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>The payload.</returns>
    byte[] Serialize<T>(T value);

    /// <summary>Deserializes what <see cref="Serialize{T}"/> produced.</summary>
    /// <typeparam name="T">The value's declared type.</typeparam>
    /// <param name="payload">The payload.</param>
    /// <returns>The value.</returns>
    T Deserialize<T>(ReadOnlySpan<byte> payload);
}
