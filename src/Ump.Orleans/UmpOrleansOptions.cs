namespace Ump.Orleans;

/// <summary>
/// How one Ump server crosses Orleans: named like its <see cref="Hosting.UmpServerOptions"/>, and the same on its silos and
/// its callers. Set with <c>ConfigureOrleans</c> on the builder <c>AddUmpOrleansServer</c> or <c>AddUmpOrleansClient</c>
/// returns.
/// </summary>
public sealed class UmpOrleansOptions
{
    /// <summary>Gets or sets how many grains serve the server (keys <c>name#0</c> to <c>name#P-1</c>, spread over the silos by placement); callers send round-robin across them.</summary>
    /// <value>1 by default: one grain, so requests are served in order by one activation. A Singleton handler needs 1.</value>
    public int Partitions { get; set; } = 1;

    /// <summary>Gets or sets the codec of the server's requests, replies and errors.</summary>
    /// <value><see cref="JsonUmpPayloadCodec.Default"/> by default.</value>
    public IUmpPayloadCodec Codec { get; set; } = JsonUmpPayloadCodec.Default;
}
