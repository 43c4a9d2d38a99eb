using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ump.Orleans;

/// <summary>The default payload codec: System.Text.Json, with the web defaults unless given other options.</summary>
/// <remarks>
/// Under trimming or Native AOT, give options whose <see cref="JsonSerializerOptions.TypeInfoResolver"/> is a source-generated
/// <c>JsonSerializerContext</c> that knows the server's types.
/// </remarks>
public sealed class JsonUmpPayloadCodec : IUmpPayloadCodec
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Initializes a codec.</summary>
    /// <param name="options">The serializer options; <see langword="null"/> for <see cref="JsonSerializerDefaults.Web"/>.</param>
    public JsonUmpPayloadCodec(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        _options.MakeReadOnly(populateMissingResolver: _options.TypeInfoResolver is null && JsonSerializer.IsReflectionEnabledByDefault);
    }

    /// <summary>Gets the codec with the web defaults.</summary>
    public static JsonUmpPayloadCodec Default { get; } = new();

    /// <inheritdoc/>
    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>());

    /// <inheritdoc/>
    public T Deserialize<T>(ReadOnlySpan<byte> payload) => JsonSerializer.Deserialize(payload, TypeInfo<T>())!;

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
}
