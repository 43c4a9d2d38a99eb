namespace Ump.Orleans.Tests;

/// <summary>Every outcome crosses the cluster as an in-process caller would see it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OutcomeTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Reply_ReachesTheCaller()
    {
        using var client = fixture.CreateClient();
        var id = Probe.NewId();

        var answer = await client.RequestAsync(new Ask("echo", id)).Within();

        Assert.Equal(id, answer.Id);
        Assert.False(string.IsNullOrEmpty(answer.Silo));
    }

    [Fact]
    public async Task Fail_IsUmpExceptionOfTErr_WithAnEqualError()
    {
        using var client = fixture.CreateClient();
        var id = Probe.NewId();

        var ex = await Assert.ThrowsAsync<UmpException<Refusal>>(() => client.RequestAsync(new Ask("fail", id)).Within());

        Assert.Equal(UmpErrorKind.App, ex.Kind);
        Assert.Equal(new Refusal("no-such-key", id), ex.Error);
    }

    [Fact]
    public async Task Filter_RunsOnTheSilo_AnswersOrPassesToTheHandler()
    {
        using var client = fixture.CreateClient(ClusterFixture.Filtered);
        var id = Probe.NewId();

        var ex = await Assert.ThrowsAsync<UmpException<Refusal>>(() => client.RequestAsync(new Ask("refuse", id)).Within());
        var answer = await client.RequestAsync(new Ask("echo", id)).Within();

        Assert.Equal(new Refusal("refused by filtered", id), ex.Error);
        Assert.Equal(id, answer.Id);
    }

    [Fact]
    public async Task HandlerThrows_NoReply_WithTheRemoteTypeAndMessage()
    {
        using var client = fixture.CreateClient();

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(new Ask("throw", Probe.NewId())).Within());

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        var remote = Assert.IsType<UmpRemoteException>(ex.InnerException);
        Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteType);
        Assert.Equal("the store is corrupt", remote.Message);
    }

    [Fact]
    public async Task HandlerGivesUpWithoutAReason_NoReply()
    {
        using var client = fixture.CreateClient();

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(new Ask("give-up", Probe.NewId())).Within());

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public async Task CallerCancels_OperationCanceledLocally_AndTheRemoteHandlersTokenFires()
    {
        using var client = fixture.CreateClient();
        using var cts = new CancellationTokenSource();
        var id = Probe.NewId();
        var call = client.RequestAsync(new Ask("wait", id), cts.Token).AsTask();
        await Probe.Entered(id).Task.Within();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        await Probe.TokenFired(id).Task.Within();
    }

    [Fact]
    public async Task RequestTimeoutPasses_TimeoutExceptionLocally_AndTheRemoteHandlersTokenFires()
    {
        // The fixture's client has a 3 s RequestTimeout (below Orleans' 10 s); the handler waits until its token fires.
        using var client = fixture.CreateClient();
        var id = Probe.NewId();
        var call = client.RequestAsync(new Ask("wait", id)).AsTask();
        await Probe.Entered(id).Task.Within();

        await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(TimeSpan.FromSeconds(40)));
        await Probe.TokenFired(id).Task.Within();
    }

    [Fact]
    public async Task ConcurrentRequestsOfOneCaller_AreNotSerialised()
    {
        // Two waits at once on a server with MaxConcurrency 8: both enter before either is released.
        using var client = fixture.CreateClient();
        int first = Probe.NewId(), second = Probe.NewId();
        var a = client.RequestAsync(new Ask("wait", first)).AsTask();
        var b = client.RequestAsync(new Ask("wait", second)).AsTask();

        await Task.WhenAll(Probe.Entered(first).Task, Probe.Entered(second).Task).Within();
        Probe.Release(first).SetResult();
        Probe.Release(second).SetResult();

        Assert.Equal(first, (await a.Within()).Id);
        Assert.Equal(second, (await b.Within()).Id);
    }

    [Fact]
    public async Task Partitions_SpreadOverBothSilos()
    {
        using var client = fixture.CreateClient(ClusterFixture.Partitioned);

        var answers = await Task.WhenAll(Enumerable.Range(0, ClusterFixture.Partitions * 2).Select(_ => client.RequestAsync(new Ask("echo", Probe.NewId())).AsTask())).Within();

        Assert.Equal(2, answers.Select(a => a.Silo).Distinct().Count());
    }

    [Fact]
    public async Task RemoteRequestTimeoutPasses_NoReply_WithATimeoutThatSaysSo_AndTheHandlersTokenFires()
    {
        // The silos time "timed" out after 1 s; its callers set no timeout, so the remote one decides.
        using var client = fixture.CreateClient(ClusterFixture.Timed);
        var id = Probe.NewId();

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(new Ask("wait", id)).Within());

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        var timeout = Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.StartsWith("Ump server 'timed': the remote server's RequestTimeout passed. ", timeout.Message, StringComparison.Ordinal);
        await Probe.TokenFired(id).Task.Within();
    }

    [Fact]
    public async Task ServerNoSiloServes_ServerDisappeared_WithTheSilosExplanation()
    {
        using var client = fixture.CreateClient(ClusterFixture.Unserved);

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(new Ask("echo", Probe.NewId())).Within());

        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        Assert.NotNull(ex.InnerException);
        Assert.Contains("Ump server 'unserved' is not served by this silo", ex.InnerException.Message, StringComparison.Ordinal);
        Assert.Contains("AddUmpOrleansServer<...>(\"unserved\")", ex.InnerException.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandlerNoSiloCanCreate_ServerDisappeared_WithTheMissingService()
    {
        using var client = fixture.CreateClient(ClusterFixture.Unbuildable);

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(new Ask("echo", Probe.NewId())).Within());

        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        Assert.NotNull(ex.InnerException);
        Assert.Contains("cannot create its handler", ex.InnerException.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(IUnregisteredStore), ex.InnerException.Message, StringComparison.Ordinal);
    }
}
