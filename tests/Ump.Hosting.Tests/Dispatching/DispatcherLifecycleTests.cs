using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>A dispatcher's start and its disposal: what each leaves behind, driven without a host.</summary>
public sealed class DispatcherLifecycleTests
{
    [Fact]
    public async Task StartAsync_TokenAlreadyCanceled_ThrowsAndTheDispatcherCanStillStart()
    {
        await using var kit = new DispatcherKit<EchoHandler>("lifecycle-canceled-start");
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dispatcher.StartAsync(new CancellationToken(canceled: true)));

        Assert.Equal("NotStarted", ((IUmpServerStatus)dispatcher).State);
        await dispatcher.StartAsync();
        Assert.Equal(5, await client.RequestAsync(5).Within());
        await dispatcher.StopAsync().Within();
    }

    [Fact]
    public async Task StartAsync_SingletonHandlerConstructorThrows_CompletionFaultsAndQueuedCallersGetServerDisappeared()
    {
        await using var kit = new DispatcherKit<KitThrowingConstructorHandler>(
            "lifecycle-start-fails", o => o.HandlerLifetime = ServiceLifetime.Singleton);
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var queued = client.RequestAsync(1).AsTask();

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => dispatcher.StartAsync());

        var completion = await Assert.ThrowsAnyAsync<Exception>(() => dispatcher.Completion.Within());
        Assert.Same(thrown, completion);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => queued.Within())).Kind);
        Assert.Equal("Faulted", ((IUmpServerStatus)dispatcher).State);
        Assert.Equal(1, kit.Count("StartFailed"));
    }

    [Fact]
    public async Task StopAsync_WhileTheSingletonHandlerIsBeingCreated_StartReturnsWithoutRunningTheLoop()
    {
        var gate = new KitConstructorGate();
        await using var kit = new DispatcherKit<KitBlockingConstructorHandler>(
            "lifecycle-stop-during-start",
            o => o.HandlerLifetime = ServiceLifetime.Singleton,
            s => s.AddSingleton(gate));
        await using var dispatcher = kit.Create();
        var start = Bounded.OnThread(() => dispatcher.StartAsync().GetAwaiter().GetResult());
        await gate.Entered.Task.Within();

        await dispatcher.StopAsync().Within();
        gate.Release.Set();
        await start.Within();

        Assert.Equal("Stopped", ((IUmpServerStatus)dispatcher).State);
        Assert.Equal(0, kit.Count("ServerStarted"));
        await dispatcher.Completion.Within();
        Assert.True(dispatcher.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task DisposeAsync_Twice_DisposesTheSingletonFiltersOnce()
    {
        await using var kit = new DispatcherKit<KitDisposableHandler>(
            "lifecycle-dispose-twice",
            o => o.HandlerLifetime = ServiceLifetime.Singleton,
            server: b => b.AddFilter<KitOuterDisposableFilter>().AddFilter<KitInnerDisposableFilter>());
        var dispatcher = kit.Create();
        await dispatcher.StartAsync();

        await dispatcher.DisposeAsync();
        await dispatcher.DisposeAsync();
        dispatcher.Dispose();

        Assert.Equal(["disposed:inner", "disposed:outer", "disposed:handler"], kit.Events.All);
    }

    [Fact]
    public async Task Dispose_Synchronous_DisposesTheSingletonFiltersInnermostFirstThenTheHandler()
    {
        await using var kit = new DispatcherKit<KitDisposableHandler>(
            "lifecycle-dispose-sync",
            o => o.HandlerLifetime = ServiceLifetime.Singleton,
            server: b => b.AddFilter<KitOuterDisposableFilter>().AddFilter<KitInnerDisposableFilter>());
        var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();
        Assert.Equal(3, await client.RequestAsync(3).Within());

        dispatcher.Dispose();

        Assert.Equal(["disposed:inner", "disposed:outer", "disposed:handler"], kit.Events.All);
    }

    [Fact]
    public async Task Dispose_Synchronous_HandlerOnlyAsyncDisposable_ItsDisposeAsyncIsWaitedFor()
    {
        await using var kit = new DispatcherKit<KitAsyncOnlyDisposableHandler>(
            "lifecycle-dispose-async-only", o => o.HandlerLifetime = ServiceLifetime.Singleton);
        var dispatcher = kit.Create();
        await dispatcher.StartAsync();

        await Bounded.OnThread(dispatcher.Dispose).Within();

        Assert.Equal(["disposed-async:handler"], kit.Events.All);
    }

    [Fact]
    public async Task DisposeAsync_HandlerStillRunningPastTheThreshold_NoSlowHandlerReportAndTheWatchTimerDisposed()
    {
        await using var kit = new DispatcherKit<GatedHandler>("lifecycle-dispose-heartbeat", o =>
        {
            o.SlowHandlerThreshold = TimeSpan.FromSeconds(1);
            o.ShutdownTimeout = TimeSpan.Zero;
        });
        kit.Probe.Gate = Bounded.NewSignal();
        kit.Probe.EnteredTarget = 1;
        var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        var call = client.RequestAsync(1).AsTask();
        await dispatcher.StartAsync();
        await kit.Probe.EnteredEnough.Task.Within();

        await dispatcher.DisposeAsync();
        kit.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, kit.Count("SlowHandler"));
        Assert.True(Assert.Single(kit.Time.Timers, t => t.DueTime == Timeout.InfiniteTimeSpan).Disposed);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        kit.Probe.Gate.SetResult();
    }

    [Fact]
    public async Task DisposeAsync_TheDispatcherLeavesTheQueueLengthGauge()
    {
        await using var kit = new DispatcherKit<EchoHandler>("lifecycle-gauge", services: s => s.AddMetrics());
        using var queueLength = new MetricCollector<int>(kit.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), UmpTelemetry.MeterName, "ump.server.queue.length");
        var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        _ = client.RequestAsync(1).AsTask();

        queueLength.RecordObservableInstruments();
        var before = Assert.Single(queueLength.GetMeasurementSnapshot(clear: true));
        Assert.Equal(1, before.Value);
        Assert.Equal("lifecycle-gauge", before.Tags["ump.server.name"]);

        await dispatcher.DisposeAsync();
        queueLength.RecordObservableInstruments();

        Assert.Empty(queueLength.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task DisposeAsync_TheFactoryNoLongerCountsTheDispatcher()
    {
        await using var kit = new DispatcherKit<EchoHandler>("lifecycle-factory");
        var dispatcher = kit.Create();
        await dispatcher.StartAsync();
        await dispatcher.StopAsync().Within();
        Assert.Equal("Stopped", kit.FactoryStatus.State);

        await dispatcher.DisposeAsync();

        // With no dispatcher left the factory reports Running: one is made on demand.
        Assert.Equal("Running", kit.FactoryStatus.State);
    }
}

public sealed class KitThrowingConstructorHandler : IUmpHandler<int, int, NoError>
{
    public KitThrowingConstructorHandler() => throw new InvalidOperationException("the handler cannot be made");

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Holds a handler's constructor until the test lets it go.</summary>
public sealed class KitConstructorGate
{
    public TaskCompletionSource Entered { get; } = Bounded.NewSignal();

    public ManualResetEventSlim Release { get; } = new();
}

public sealed class KitBlockingConstructorHandler : IUmpHandler<int, int, NoError>
{
    public KitBlockingConstructorHandler(KitConstructorGate gate)
    {
        gate.Entered.TrySetResult();
        Assert.True(gate.Release.Wait(Bounded.Timeout));
    }

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}

internal sealed class KitDisposableHandler(KitEvents events) : IUmpHandler<int, int, NoError>, IDisposable, IAsyncDisposable
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }

    public void Dispose() => events.Add("disposed:handler");

    public ValueTask DisposeAsync()
    {
        events.Add("disposed:handler");
        return ValueTask.CompletedTask;
    }
}

internal sealed class KitAsyncOnlyDisposableHandler(KitEvents events) : IUmpHandler<int, int, NoError>, IAsyncDisposable
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        events.Add("disposed-async:handler");
    }
}

internal abstract class KitDisposableFilter(KitEvents events, string name) : IUmpFilter<int, int, NoError>, IDisposable, IAsyncDisposable
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next) => next(context);

    public void Dispose() => events.Add("disposed:" + name);

    public ValueTask DisposeAsync()
    {
        events.Add("disposed:" + name);
        return ValueTask.CompletedTask;
    }
}

internal sealed class KitOuterDisposableFilter(KitEvents events) : KitDisposableFilter(events, "outer");

internal sealed class KitInnerDisposableFilter(KitEvents events) : KitDisposableFilter(events, "inner");
