namespace Ump.Samples.KeyValue;

/// <summary>What a <see cref="KvCommand"/> asks the store to do.</summary>
public enum KvOperation
{
    Get,
    Put,
    Delete,
}

/// <summary>A request to the key-value store: get, put or delete one key.</summary>
public sealed record KvCommand(KvOperation Operation, string Key, string? Value = null)
{
    public static KvCommand Get(string key) => new(KvOperation.Get, key);

    public static KvCommand Put(string key, string value) => new(KvOperation.Put, key, value);

    public static KvCommand Delete(string key) => new(KvOperation.Delete, key);
}

/// <summary>
/// The store's reply. <see cref="Value"/> is the value read (Get), stored (Put) or removed (Delete);
/// <see cref="Created"/> tells a Put that added the key from one that replaced its value.
/// </summary>
public sealed record KvReply(string Key, string Value, bool Created = false);

/// <summary>The application errors of the store: the caller gets them as <c>UmpException&lt;KvError&gt;</c>.</summary>
public enum KvError
{
    /// <summary>Get or Delete of a key that is not in the store.</summary>
    NotFound,

    /// <summary>An empty key, or one longer than <see cref="KvLimits.MaxKeyLength"/>.</summary>
    InvalidKey,

    /// <summary>A Put without a value, or with one longer than <see cref="KvLimits.MaxValueLength"/>.</summary>
    InvalidValue,
}

/// <summary>The limits the store enforces, shared with the callers that validate their input first.</summary>
public static class KvLimits
{
    /// <summary>The longest key, in characters.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>The longest value, in characters (64 Ki).</summary>
    public const int MaxValueLength = 64 * 1024;
}
