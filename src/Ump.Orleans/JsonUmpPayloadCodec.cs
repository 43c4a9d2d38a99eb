using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ump.Orleans;

/// <summary>The default payload codec: System.Text.Json, with the web defaults unless given other options.</summary>
/// <remarks>
/// Options without a <see cref="JsonSerializerOptions.TypeInfoResolver"/> use reflection. In a trimmed or Native AOT app,
/// where reflection-based serialization is off, give options whose resolver is a source-generated
/// <c>JsonSerializerContext</c> that knows the server's request, reply and error types
/// (<c>o.Codec = new JsonUmpPayloadCodec(MyJsonContext.Default.Options)</c>); without one, the first request fails with a
/// message that says so.
/// </remarks>
public sealed class JsonUmpPayloadCodec : IUmpPayloadCodec
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Initializes a codec.</summary>
    /// <param name="options">The serializer options; <see langword="null"/> for <see cref="JsonSerializerDefaults.Web"/>.</param>
    public JsonUmpPayloadCodec(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        if (_options.TypeInfoResolver is null && JsonSerializer.IsReflectionEnabledByDefault)
        {
            _options.TypeInfoResolver = ReflectionResolver();
        }

        // Without a resolver the options stay writable, and TypeInfo says what to do at the first use.
        if (_options.TypeInfoResolver is not null)
        {
            _options.MakeReadOnly();
        }
    }

    /// <summary>Gets the codec with the web defaults.</summary>
    public static JsonUmpPayloadCodec Default { get; } = new();

    /// <inheritdoc/>
    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>());

    /// <inheritdoc/>
    public T Deserialize<T>(ReadOnlySpan<byte> payload) => JsonSerializer.Deserialize(payload, TypeInfo<T>())!;

    private JsonTypeInfo<T> TypeInfo<T>() => _options.TypeInfoResolver is null
        ? throw new InvalidOperationException(
            $"Ump.Orleans cannot serialize {typeof(T)}: reflection-based JSON serialization is off in this app (trimmed or Native AOT). " +
            "Set UmpOrleansOptions.Codec to new JsonUmpPayloadCodec(options) with options whose TypeInfoResolver is a JsonSerializerContext that knows the server's request, reply and error types.")
        : (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only when reflection-based serialization is on (JsonSerializer.IsReflectionEnabledByDefault), which trimmed and AOT apps turn off.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only when reflection-based serialization is on (JsonSerializer.IsReflectionEnabledByDefault), which AOT apps turn off.")]
    private static DefaultJsonTypeInfoResolver ReflectionResolver() => new();
}
