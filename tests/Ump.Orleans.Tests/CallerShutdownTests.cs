using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;
using Ump.Hosting;

namespace Ump.Orleans.Tests;

/// <summary>
/// A caller's host stopping: new requests fail at once, requests on the wire finish until the caller's ShutdownTimeout,
/// then get ServerDisappeared. Each test stops a caller of its own on a cluster of this class.
/// </summary>
public sealed class CallerShutdownTests(CallerShutdownTests.Cluster fixture) : IClassFixture<CallerShutdownTests.Cluster>
{
    [Fact]
    public async Task CallerStops_NewRequestsFail_TheRequestOnTheWireGetsItsReply_AndThenTheStopEnds()
    {
        using var client = fixture.CreateClient(Cluster.Patient);
        var id = Probe.NewId();
        var onTheWire = client.RequestAsync(new Ask("wait", id)).AsTask();
        await Probe.Entered(id).Task.Within();

        var stop = fixture.Caller(Cluster.Patient).StopAsync(CancellationToken.None);

        var refused = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(new Ask("echo", Probe.NewId())).Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, refused.Kind);
        Assert.False(stop.IsCompleted, "the stop ended with a request on the wire");

        Probe.Release(id).SetResult();

        Assert.Equal(id, (await onTheWire.Within()).Id);

        // Well before the caller's 60 s ShutdownTimeout: the stop ends when the last request on the wire does.
        await stop.Within();
    }

    [Fact]
    public async Task CallerStopsAndItsShutdownTimeoutPasses_TheRequestOnTheWireGetsServerDisappeared_AndTheRemoteHandlersTokenFires()
    {
        using var client = fixture.CreateClient(Cluster.Hasty);
        var id = Probe.NewId();
        var onTheWire = client.RequestAsync(new Ask("wait", id)).AsTask();
        await Probe.Entered(id).Task.Within();

        await fixture.Caller(Cluster.Hasty).StopAsync(CancellationToken.None).Within();

        var ex = await Assert.ThrowsAsync<UmpException>(() => onTheWire.Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        await Probe.TokenFired(id).Task.Within();
    }

    [Fact]
    public async Task CallerStopIsCanceled_TheRequestOnTheWireGetsServerDisappeared_AndTheStopEndsQuietly()
    {
        using var client = fixture.CreateClient(Cluster.Canceled);
        var id = Probe.NewId();
        var onTheWire = client.RequestAsync(new Ask("wait", id)).AsTask();
        await Probe.Entered(id).Task.Within();

        // The caller's ShutdownTimeout is 60 s; the stop's token says the host will not wait.
        await fixture.Caller(Cluster.Canceled).StopAsync(new CancellationToken(canceled: true)).Within();

        var ex = await Assert.ThrowsAsync<UmpException>(() => onTheWire.Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        await Probe.TokenFired(id).Task.Within();
    }

    /// <summary>One silo serving three servers, and a client host calling them, with a long and a zero ShutdownTimeout.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        public const string Patient = "patient";
        public const string Hasty = "hasty";
        public const string Canceled = "canceled";

        private InProcessTestCluster? _cluster;

        public InProcessTestCluster Orleans => _cluster ?? throw new InvalidOperationException("not started");

        public Client<Ask, Answer, Refusal> CreateClient(string server) =>
            Orleans.Client.ServiceProvider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>(server).CreateClient();

        /// <summary>The hosted service of the caller of <paramref name="server"/>: Ump.Orleans' hosted services, in the order they were added.</summary>
        public IHostedService Caller(string server)
        {
            var callers = Orleans.Client.ServiceProvider.GetServices<IHostedService>()
                .Where(s => s.GetType().Assembly == typeof(UmpOrleansOptions).Assembly)
                .ToArray();
            Assert.Equal(3, callers.Length);
            return callers[Array.IndexOf([Patient, Hasty, Canceled], server)];
        }

        public async ValueTask InitializeAsync()
        {
            var builder = new InProcessTestClusterBuilder(1);
            builder.Options.ConfigureFileLogging = false;
            builder.ConfigureSilo((_, silo) =>
            {
                silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(Patient);
                silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(Hasty);
                silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(Canceled);
            });
            builder.ConfigureClient(client =>
            {
                client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Patient, o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
                client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Hasty, o => o.ShutdownTimeout = TimeSpan.Zero);
                client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Canceled, o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
            });
            _cluster = builder.Build();
            await _cluster.DeployAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }

        public async ValueTask DisposeAsync()
        {
            if (_cluster is not null)
            {
                await _cluster.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));
            }
        }
    }
}
