using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

/// <summary>Faults in one server of a host: the others keep serving, the host stops within its bound, one record per problem.</summary>
public sealed class HostFaultTests
{
    [Fact]
    public async Task HandlerThrowingOnEveryRequest_OtherServerKeepsServing_OneRecordPerFailure()
    {
        const int burst = 50;
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<string, string, NoError, AlwaysThrowingHandler>("faulty");
        builder.Services.AddUmpServer<string, string, NoError, StringEchoHandler>("healthy");
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var faulty = host.Services.GetRequiredKeyedService<IUmpClientFactory<string, string, NoError>>("faulty").CreateClient();
        using var healthy = host.Services.GetRequiredKeyedService<IUmpClientFactory<string, string, NoError>>("healthy").CreateClient();

        var failing = Enumerable.Range(0, burst).Select(i => faulty.RequestAsync($"f{i}").AsTask()).ToArray();
        var served = Enumerable.Range(0, burst).Select(i => healthy.RequestAsync($"h{i}").AsTask()).ToArray();

        Assert.Equal(Enumerable.Range(0, burst).Select(i => $"h{i}"), await Task.WhenAll(served).Within());
        foreach (var request in failing)
        {
            var ex = await Assert.ThrowsAsync<UmpException>(() => request.Within());
            Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
            Assert.IsType<InvalidOperationException>(ex.InnerException);
        }

        // The faulty server's loop is still running: it still answers, with the same clear outcome.
        Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => faulty.RequestAsync("again").AsTask().Within())).Kind);

        var failures = host.Logs().Where(r => r.Id.Name == "HandlerFailed").ToArray();
        Assert.Equal(burst + 1, failures.Length);
        Assert.All(failures, r => Assert.Equal("faulty", r.GetStructuredStateValue("ServerName")));
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task StopDuringABurst_WithAHandlerIgnoringItsToken_BurstDrained_StopEndsAtTheDeadline()
    {
        const int burst = 100;
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        var drains = DrainProbe.AddTo(builder.Services);
        var stuck = new Probe { EnteredTarget = 1 };
        var neverReleased = Bounded.NewSignal();
        stuck.Body = async (_, _, _) => await neverReleased.Task; // ignores its token
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(stuck);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("stuck", o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("busy", o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var stuckClient = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("stuck").CreateClient();
        using var busyClient = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("busy").CreateClient();

        var hanging = stuckClient.RequestAsync(-1).AsTask();
        await stuck.EnteredEnough.Task.Within();
        var burstCalls = Enumerable.Range(0, burst).Select(i => busyClient.RequestAsync(i).AsTask()).ToArray();

        var stop = host.StopAsync();
        await drains.DrainsBegan.Within();

        // Every request of the burst that was sent before the stop is answered; later ones fail at once.
        var answered = 0;
        foreach (var call in burstCalls)
        {
            try
            {
                await call.Within();
                answered++;
            }
            catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared)
            {
            }
        }

        Assert.Equal(burst, answered);
        Assert.False(stop.IsCompleted, "The stop must wait for the stuck handler until its deadline.");

        time.Advance(TimeSpan.FromSeconds(5));
        await stop.Within();
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => hanging.Within())).Kind);
        Assert.Single(host.Logs(), r => r.Id.Name == "DrainDeadlinePassed" && Equals(r.GetStructuredStateValue("ServerName"), "stuck"));
        neverReleased.SetResult();
    }
}

/// <summary>Throws on every request.</summary>
public sealed class AlwaysThrowingHandler : IUmpHandler<string, string, NoError>
{
    public ValueTask HandleAsync(string request, ReplyContext<string, NoError> reply, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("This handler always fails: " + request);
}
