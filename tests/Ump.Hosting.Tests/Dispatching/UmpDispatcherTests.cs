using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>The dispatcher on its own, without a host: its states and its stop, on a fake clock.</summary>
public sealed class UmpDispatcherTests
{
    [Fact]
    public async Task StopAsync_RequestsQueued_DeliveredThenStopped_NewRequestsRefusedAtOnce()
    {
        await using var fixture = new Fixture(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var probe = fixture.Probe;
        probe.Gate = Bounded.NewSignal();
        var dispatcher = fixture.Create();
        using var client = dispatcher.CreateClient();
        var calls = Enumerable.Range(1, 3).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await dispatcher.StartAsync();

        var stop = dispatcher.StopAsync();
        var refused = client.RequestAsync(4);
        Assert.True(refused.IsCompleted);
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => refused.AsTask())).Kind);
        Assert.False(stop.IsCompleted);

        probe.Gate.SetResult();
        await stop.Within();
        Assert.Equal(new[] { 1, 2, 3 }, await Task.WhenAll(calls).Within());
        Assert.Equal(new[] { 1, 2, 3 }, probe.Order);
        var record = Assert.Single(fixture.Logs(), r => r.Id.Name == "DrainCompleted");
        Assert.Equal("3", record.GetStructuredStateValue("AnsweredCount"));
        Assert.Equal("0", record.GetStructuredStateValue("GivenUpCount"));
        await dispatcher.Completion.Within();
    }

    [Fact]
    public async Task StopAsync_DeadlinePassesOnFakeClock_CallersAnsweredThenTokensFire_LateReplyReturnsFalse()
    {
        await using var fixture = new Fixture(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
            o.MaxConcurrency = 2;
        });
        // The handlers of requests 1 and 2 reply late, inside their token callback: false only when the caller was answered
        // first. Made up front: a handler counted as entered may not have reached its body when the stop begins.
        TaskCompletionSource<bool>[] lateReplies = [Bounded.NewSignal<bool>(), Bounded.NewSignal<bool>()];
        var probe = fixture.Probe;
        probe.EnteredTarget = 2;
        probe.Body = async (request, reply, ct) =>
        {
            var late = lateReplies[request - 1];
            ct.Register(() => late.TrySetResult(reply.Reply(request)));
            await late.Task;
        };
        var dispatcher = fixture.Create();
        using var client = dispatcher.CreateClient();
        Task<int>[] calls = [.. Enumerable.Range(1, 3).Select(i => client.RequestAsync(i).AsTask())];
        await dispatcher.StartAsync();
        await probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(stop.IsCompleted);
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        await stop.Within();

        foreach (var call in calls)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }

        Assert.All(await Task.WhenAll(lateReplies.Select(l => l.Task)).Within(), Assert.False);
        Assert.Equal(2, probe.EnteredCount);
        var deadline = Assert.Single(fixture.Logs(), r => r.Id.Name == "DrainDeadlinePassed");
        Assert.Equal("1", deadline.GetStructuredStateValue("QueuedCount"));
        Assert.Equal("2", deadline.GetStructuredStateValue("RunningCount"));
        Assert.DoesNotContain(fixture.Logs(), r => r.Id.Name == "DrainCompleted");
    }

    [Fact]
    public async Task StopAsync_CallersGiveUpDuringTheDrain_DrainRecordCountsWhatHappened()
    {
        await using var fixture = new Fixture(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromMinutes(1);
            o.RequestTimeout = TimeSpan.FromSeconds(5);
        });
        var probe = fixture.Probe;
        probe.Gate = Bounded.NewSignal();
        probe.EnteredTarget = 1;
        var dispatcher = fixture.Create();
        using var client = dispatcher.CreateClient();
        using var cts = new CancellationTokenSource();
        var answered = client.RequestAsync(1).AsTask();
        var timedOut = client.RequestAsync(2).AsTask();
        var canceled = client.RequestAsync(3, cts.Token).AsTask();
        await dispatcher.StartAsync();
        await probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Within());
        fixture.Time.Advance(TimeSpan.FromSeconds(5));

        // The first request's caller timed out too: its handler waits at the gate past the request timeout.
        await Assert.ThrowsAsync<TimeoutException>(() => answered.Within());
        await Assert.ThrowsAsync<TimeoutException>(() => timedOut.Within());
        probe.Gate.SetResult();
        await stop.Within();

        var record = Assert.Single(fixture.Logs(), r => r.Id.Name == "DrainCompleted");
        Assert.Equal("0", record.GetStructuredStateValue("AnsweredCount"));
        Assert.Equal("3", record.GetStructuredStateValue("GivenUpCount"));
        Assert.Equal("0", record.GetStructuredStateValue("UnansweredCount"));
        Assert.DoesNotContain("every request was answered", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_BeforeStart_QueuedCallersGetServerDisappeared_StartThenRefused()
    {
        await using var fixture = new Fixture();
        var dispatcher = fixture.Create();
        using var client = dispatcher.CreateClient();
        var queued = client.RequestAsync(1).AsTask();

        await dispatcher.StopAsync().Within();

        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => queued.Within())).Kind);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => dispatcher.StartAsync());
        Assert.Contains("starts once", ex.Message, StringComparison.Ordinal);
        await dispatcher.Completion.Within();
    }

    [Fact]
    public async Task StartAsync_Twice_ThrowsInvalidOperation()
    {
        await using var fixture = new Fixture();
        var dispatcher = fixture.Create();
        await dispatcher.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => dispatcher.StartAsync());
        await dispatcher.StopAsync().Within();
    }

    [Fact]
    public async Task QueueLength_DuringTheDrain_CountsTheRequestsStillQueued()
    {
        await using var fixture = new Fixture(o => o.ShutdownTimeout = TimeSpan.FromMinutes(1));
        var probe = fixture.Probe;
        probe.Gate = Bounded.NewSignal();
        probe.EnteredTarget = 1;
        var dispatcher = fixture.Create();
        using var client = dispatcher.CreateClient();
        var calls = Enumerable.Range(1, 4).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await dispatcher.StartAsync();
        await probe.EnteredEnough.Task.Within();

        var stop = dispatcher.StopAsync();

        var status = (Internal.Telemetry.IUmpServerStatus)dispatcher;
        Assert.Equal(3, status.QueueLength);
        Assert.Equal(1, status.ActiveHandlers);
        Assert.Equal("Stopping", status.State);
        Assert.False(status.IsServing);
        probe.Gate.SetResult();
        await stop.Within();
        await Task.WhenAll(calls).Within();
        Assert.Equal(0, status.QueueLength);
        Assert.Equal("Stopped", status.State);
    }

    [Fact]
    public async Task SlowHandlers_MaxConcurrencyFour_OneTimerForAllAndEachCallReportedOnce()
    {
        await using var fixture = new Fixture(o =>
        {
            o.MaxConcurrency = 4;
            o.SlowHandlerThreshold = TimeSpan.FromMilliseconds(200);
        });
        var probe = fixture.Probe;
        probe.Gate = Bounded.NewSignal();
        probe.EnteredTarget = 4;
        var dispatcher = fixture.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();
        var timersBefore = fixture.Time.TimersCreated;

        // Twenty fast calls, then four that stay: no timer is made per call.
        probe.Gate.SetResult();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i, await client.RequestAsync(i).Within());
        }

        probe.Gate = Bounded.NewSignal();
        var slow = Enumerable.Range(100, 4).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await Bounded.Until(() => probe.EnteredCount >= 24, "four slow calls run");
        fixture.Time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.DoesNotContain(fixture.Logs(), r => r.Id.Name == "SlowHandler");
        fixture.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(4, fixture.Logs().Count(r => r.Id.Name == "SlowHandler"));
        fixture.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(4, fixture.Logs().Count(r => r.Id.Name == "SlowHandler"));

        probe.Gate.SetResult();
        await Task.WhenAll(slow).Within();
        Assert.Equal(timersBefore, fixture.Time.TimersCreated);
        await dispatcher.StopAsync().Within();
    }

    [Fact]
    public async Task DisposeAsync_WithoutStop_QueuedAndRunningCallersGetServerDisappeared()
    {
        await using var fixture = new Fixture(o => o.ShutdownTimeout = TimeSpan.FromMinutes(1));
        var probe = fixture.Probe;
        probe.Gate = Bounded.NewSignal();
        probe.EnteredTarget = 1;
        var dispatcher = fixture.Create();
        var client = dispatcher.CreateClient();
        var calls = Enumerable.Range(1, 2).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await dispatcher.StartAsync();
        await probe.EnteredEnough.Task.Within();

        await dispatcher.DisposeAsync();

        foreach (var call in calls)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.Within())).Kind);
        }

        client.Dispose();
        Assert.Throws<ObjectDisposedException>(dispatcher.CreateClient);
        probe.Gate.SetResult();
    }

    /// <summary>A container with fake time and fake logs, no host: what a dispatcher needs and nothing else.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        public Fixture(Action<UmpServerOptions>? configure = null)
        {
            var services = new ServiceCollection();
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton(Probe);
            services.AddUmpDispatcher<int, int, NoError, GatedHandler>("solo", configure);
            _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        }

        public CountingTimeProvider Time { get; } = new();

        public Probe Probe { get; } = new();

        public UmpDispatcher<int, int, NoError> Create() =>
            _services.GetRequiredKeyedService<IUmpDispatcherFactory<int, int, NoError>>("solo").CreateDispatcher();

        public FakeLogRecord[] Logs() =>
            [.. _services.GetRequiredService<FakeLogCollector>().GetSnapshot().Where(r => r.Category == "Ump.Hosting.UmpServer")];

        public ValueTask DisposeAsync() => _services.DisposeAsync();
    }

    /// <summary>A fake clock that counts the timers made on it.</summary>
    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        private int _timers;

        public int TimersCreated => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
