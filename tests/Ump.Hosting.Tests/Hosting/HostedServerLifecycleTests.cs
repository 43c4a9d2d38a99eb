using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

/// <summary>The hosted service of a server, driven by a real host or called directly as a host without lifecycle hooks would.</summary>
public sealed class HostedServerLifecycleTests
{
    [Fact]
    public async Task ExecuteTask_RunsWhileTheServerRunsAndCompletesWhenItStops()
    {
        using var host = Build(new Probe(), out var hosted);
        Assert.Null(hosted.ExecuteTask);

        await host.StartAsync().Within();
        var execute = hosted.ExecuteTask;
        Assert.NotNull(execute);
        Assert.False(execute.IsCompleted);
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("orders").CreateClient();
        Assert.Equal(2, await client.RequestAsync(2).Within());

        await host.StopAsync().Within();
        await execute.Within();
        Assert.True(execute.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task StopAsync_WithoutStoppingAsync_DrainsAndCompletesOnlyOnceTheRunningHandlerReturned()
    {
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        using var host = Build(probe, out var hosted);
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("orders").CreateClient();
        var running = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();

        var stop = hosted.StopAsync(CancellationToken.None);

        // The drain waits for the handler (fake time: no deadline passes), and new requests fail at once.
        Assert.False(stop.IsCompleted);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await client.RequestAsync(2).FailsWith<UmpException>()).Kind);
        Assert.False(stop.IsCompleted);
        probe.Gate.SetResult();
        await stop.Within();
        Assert.Equal(1, await running.Within());
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task StopAsync_CalledOnASynchronizationContext_DoesNotResumeOnIt()
    {
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        using var host = Build(probe, out var hosted);
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("orders").CreateClient();
        var running = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();

        // A UI-like context: a stop that needed it to finish would deadlock a host stopped from its thread.
        var context = new CountingSynchronizationContext();
        var stop = await Bounded.OnThread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                return hosted.StopAsync(CancellationToken.None);
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(null);
            }
        }).Within();
        Assert.False(stop.IsCompleted);

        probe.Gate.SetResult();
        await stop.Within();
        Assert.Equal(1, await running.Within());
        Assert.Equal(0, context.Posted);
        await host.StopAsync().Within();
    }

    private static IHost Build(Probe probe, out BackgroundService hosted)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider()); // no drain deadline passes on its own
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("orders");
        var host = builder.Build();
        hosted = Assert.IsAssignableFrom<BackgroundService>(Assert.Single(host.Services.GetServices<IHostedService>()));
        return host;
    }

    /// <summary>Counts what is posted to it and runs it on the thread pool.</summary>
    private sealed class CountingSynchronizationContext : SynchronizationContext
    {
        private readonly ConcurrentQueue<int> _posts = new();

        public int Posted => _posts.Count;

        public override void Post(SendOrPostCallback d, object? state)
        {
            _posts.Enqueue(1);
            ThreadPool.QueueUserWorkItem(_ => d(state));
        }

        public override void Send(SendOrPostCallback d, object? state)
        {
            _posts.Enqueue(1);
            d(state);
        }
    }
}
