namespace Ump.Samples.KeyValue;

/// <summary>Options of <see cref="KeyValueStoreHandler"/>, bound from the <c>KeyValueStore</c> section.</summary>
public sealed class KeyValueStoreOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "KeyValueStore";

    /// <summary>
    /// Gets or sets a delay added to every request, to stand in for a slow backing store. Zero (the default) adds nothing.
    /// The samples' tests use it to have requests in flight (queued and running) while they stop the host.
    /// </summary>
    public TimeSpan SimulatedLatency { get; set; }
}
