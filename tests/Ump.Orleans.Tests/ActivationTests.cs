using Orleans.Runtime;

namespace Ump.Orleans.Tests;

/// <summary>A grain activation owns its dispatcher: a deactivation stops and disposes it, and the next request gets a new one.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ActivationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task GrainDeactivates_ItsSingletonHandlerIsDisposed_AndTheNextRequestGetsANewOne()
    {
        using var client = fixture.CreateClient(ClusterFixture.Disposing);
        Assert.Equal(1, (await client.RequestAsync(new Ask("count", 0)).Within()).Id);
        Assert.Equal(2, (await client.RequestAsync(new Ask("count", 0)).Within()).Id);
        var disposed = DisposableCountingHandler.DisposedCount;

        // The grain of the server's one partition: its key is the server's name and the partition.
        await fixture.Cluster.DeactivateAsync(GrainId.Create("umpserver", ClusterFixture.Disposing + "#0")).Within();

        await Bounded.Until(() => DisposableCountingHandler.DisposedCount > disposed, "the deactivated activation disposed its singleton handler");
        Assert.Equal(1, (await client.RequestAsync(new Ask("count", 0)).Within()).Id);
    }
}
