using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

public sealed class ShutdownTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task StopAsync_QueuedRequests_AllAnswered(int maxConcurrency)
    {
        var builder = TestHost.CreateBuilder();
        var drains = DrainProbe.AddTo(builder.Services);
        var tokenFiredDuringDrain = false;
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = maxConcurrency };
        probe.Body = async (request, reply, ct) =>
        {
            await probe.Gate.Task.WaitAsync(Bounded.Timeout);
            tokenFiredDuringDrain |= ct.IsCancellationRequested;
            reply.Reply(request);
        };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>().Configure(o => o.MaxConcurrency = maxConcurrency);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();
        var requests = Enumerable.Range(1, 10).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await probe.EnteredEnough.Task.Within();

        var stop = host.StopAsync();
        await drains.DrainsBegan.Within();
        Assert.False(stop.IsCompleted);
        probe.Gate.SetResult();
        await stop.Within();

        Assert.Equal(Enumerable.Range(1, 10), await Task.WhenAll(requests).Within());
        Assert.False(tokenFiredDuringDrain);
        Assert.Equal(maxConcurrency, probe.MaxActive);
        Assert.Contains(host.Logs(), r => r.Id.Name == "DrainCompleted");
    }

    [Fact]
    public async Task RequestAsync_AfterStopBegan_FailsWithServerDisappearedAtOnce()
    {
        var builder = TestHost.CreateBuilder();
        var drains = DrainProbe.AddTo(builder.Services);
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();
        var running = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();

        var stop = host.StopAsync();
        await drains.DrainsBegan.Within();
        var late = client.RequestAsync(2);

        Assert.True(late.IsCompleted);
        var ex = await Assert.ThrowsAsync<UmpException>(() => late.Within());
        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        probe.Gate.SetResult();
        Assert.Equal(1, await running.Within());
        await stop.Within();

        var afterStop = client.RequestAsync(3);
        Assert.True(afterStop.IsCompleted);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => afterStop.Within())).Kind);
    }

    [Fact]
    public async Task StopAsync_HandlerIgnoresToken_ReturnsAfterShutdownTimeoutAndCallersGetServerDisappeared()
    {
        var builder = TestHost.CreateBuilder();
        var shutdownTimeout = TimeSpan.FromMilliseconds(300);
        var release = Bounded.NewSignal();
        // The handler replies late, inside its token callback: false only when the caller was answered first.
        var lateReply = Bounded.NewSignal<bool>();
        var finished = Bounded.NewSignal();
        var probe = new Probe { EnteredTarget = 1 };
        probe.Body = async (request, reply, ct) =>
        {
            ct.Register(() => lateReply.TrySetResult(reply.Reply(request)));
            await release.Task; // ignores its token otherwise
            finished.SetResult();
        };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("stuck", o => o.ShutdownTimeout = shutdownTimeout);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("stuck").CreateClient();
        var running = client.RequestAsync(1).AsTask();
        var queued = client.RequestAsync(2).AsTask();
        await probe.EnteredEnough.Task.Within();

        var clock = Stopwatch.StartNew();
        await host.StopAsync().Within();
        clock.Stop();

        Assert.InRange(clock.Elapsed, shutdownTimeout - TimeSpan.FromMilliseconds(50), shutdownTimeout + TimeSpan.FromSeconds(10));
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => running.Within())).Kind);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => queued.Within())).Kind);
        // The callers were answered before the handler's token fired, and the late reply did not throw.
        Assert.False(await lateReply.Task.Within());
        Assert.Equal(1, probe.EnteredCount);
        var deadline = Assert.Single(host.Logs(), r => r.Id.Id == 8);
        Assert.Equal(LogLevel.Warning, deadline.Level);
        Assert.Equal("1", deadline.GetStructuredStateValue("QueuedCount"));
        Assert.Equal("1", deadline.GetStructuredStateValue("RunningCount"));

        release.SetResult();
        await finished.Task.Within();
        Assert.DoesNotContain(host.Logs(), r => r.Exception is not null);
    }

    [Fact]
    public async Task StopAsync_TwoServersWithStuckHandlers_DrainAtTheSameTime()
    {
        // Fake time: the deadlines pass only when the test advances the clock, once. Drains run one after the other
        // would need a second advance, and the stop would never end.
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        var drains = DrainProbe.AddTo(builder.Services);
        var release = Bounded.NewSignal();
        var probe = new Probe { EnteredTarget = 2 };
        probe.Body = async (_, _, ct) =>
        {
            await release.Task; // ignores its token
        };
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("a", o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("b", o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var a = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("a").CreateClient();
        using var b = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("b").CreateClient();
        var requests = new[] { a.RequestAsync(1).AsTask(), b.RequestAsync(2).AsTask() };
        await probe.EnteredEnough.Task.Within();

        var stop = host.StopAsync();
        await drains.DrainsBegan.Within();
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(stop.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await stop.Within();

        foreach (var request in requests)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => request.Within())).Kind);
        }

        release.SetResult();
    }

    [Fact]
    public async Task StopAsync_ShutdownTimeoutZero_QueuedAndRunningGetServerDisappeared()
    {
        var builder = TestHost.CreateBuilder();
        var release = Bounded.NewSignal();
        var probe = new Probe { EnteredTarget = 1 };
        probe.Body = async (_, _, ct) => await release.Task.WaitAsync(ct).ContinueWith(_ => { }, TaskScheduler.Default);
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("now", o => o.ShutdownTimeout = TimeSpan.Zero);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("now").CreateClient();
        var running = client.RequestAsync(1).AsTask();
        var queued = client.RequestAsync(2).AsTask();
        await probe.EnteredEnough.Task.Within();

        await host.StopAsync().Within();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => running.Within())).Kind);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => queued.Within())).Kind);
    }

    [Fact]
    public async Task StopAsync_IdleServer_ReturnsWithoutWaitingForShutdownTimeout()
    {
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("idle", o => o.MaxConcurrency = 3);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("idle").CreateClient();
        Assert.Equal(1, await client.RequestAsync(1).Within());

        // The clock never moves: only an empty drain ending by itself lets the stop return.
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task Dispose_WithoutStop_WaitingCallersGetServerDisappeared()
    {
        var builder = TestHost.CreateBuilder();
        var release = Bounded.NewSignal();
        var probe = new Probe { EnteredTarget = 1 };
        probe.Body = async (_, _, _) => await release.Task;
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>();
        var host = builder.Build();
        await host.StartAsync().Within();
        var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();
        var running = client.RequestAsync(1).AsTask();
        var queued = client.RequestAsync(2).AsTask();
        await probe.EnteredEnough.Task.Within();

        host.Dispose();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => running.Within())).Kind);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => queued.Within())).Kind);
        release.SetResult();
        client.Dispose();
    }

    [Fact]
    public async Task StopAsync_HostShutdownTimeoutShorter_DrainEndsThereWithWarning()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        var release = Bounded.NewSignal();
        var probe = new Probe { EnteredTarget = 1 };
        probe.Body = async (_, _, _) => await release.Task;
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("long", o => o.ShutdownTimeout = TimeSpan.FromHours(1));
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("long").CreateClient();
        var running = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();

        await host.StopAsync().Within();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => running.Within())).Kind);
        var warning = Assert.Single(host.Logs(), r => r.Id.Name == "HostShutdownTimeoutEndedDrain");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("long", warning.GetStructuredStateValue("ServerName"));
        release.SetResult();
    }

    [Fact]
    public async Task StopAsync_BoundedQueueWithParkedSenders_AllAnswered()
    {
        var builder = TestHost.CreateBuilder();
        var drains = DrainProbe.AddTo(builder.Services);
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("bounded", o => o.Capacity = 1);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("bounded").CreateClient();
        var running = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();
        // One waits in the queue, two wait for room (backpressure).
        var waiting = Enumerable.Range(2, 3).Select(i => client.RequestAsync(i).AsTask()).ToArray();

        var stop = host.StopAsync();
        await drains.DrainsBegan.Within();
        probe.Gate.SetResult();
        await stop.Within();

        Assert.Equal(1, await running.Within());
        var replies = await Task.WhenAll(waiting).Within();
        Assert.Equal([2, 3, 4], replies);
        Assert.Equal([1, 2, 3, 4], probe.Entered);
    }
}
