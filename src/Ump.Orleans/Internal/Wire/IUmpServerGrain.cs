namespace Ump.Orleans.Internal.Wire;

/// <summary>
/// The one grain contract: non-generic, over library-owned wire types, so user types never meet Orleans' serializer or its
/// type allow-list. The key is the server's name and partition, <c>orders#0</c>.
/// </summary>
[Alias("Ump.Orleans.IUmpServerGrain")]
internal interface IUmpServerGrain : IGrainWithStringKey
{
    /// <summary>Sends one request through the activation's dispatcher and returns its outcome.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Fires when the caller gives up: the remote request is withdrawn, or its handler's token fires.</param>
    /// <returns>The outcome.</returns>
    [Alias("Call")]
    Task<UmpWireReply> CallAsync(UmpWireRequest request, CancellationToken cancellationToken);
}
