using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

public sealed class HandlerTests
{
    [Fact]
    public async Task HandleAsync_ScopedLifetime_NewScopePerRequestDisposedAfterReply()
    {
        var builder = TestHost.CreateBuilder();
        var tracker = new ScopeTracker();
        builder.Services.AddSingleton(tracker);
        builder.Services.AddScoped<ScopedDependency>();
        builder.Services.AddUmpServer<int, int, NoError, ScopedHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();
        var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();

        var first = await client.RequestAsync(0).Within();
        await tracker.Disposed(first).Within();
        var second = await client.RequestAsync(0).Within();
        await tracker.Disposed(second).Within();

        Assert.NotEqual(first, second);
        Assert.Equal(2, tracker.Created);
        // The scope outlived the reply: the dependency was still alive when the handler replied.
        Assert.False(tracker.DisposedBeforeReply);
        client.Dispose();
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleAsync_TransientLifetime_NewDisposableHandlerPerRequestDisposedAfterIt()
    {
        var builder = TestHost.CreateBuilder();
        var tracker = new ScopeTracker();
        builder.Services.AddSingleton(tracker);
        builder.Services.AddUmpServer<int, int, NoError, AsyncDisposableHandler>("t", o => o.HandlerLifetime = ServiceLifetime.Transient);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("t").CreateClient();

        var first = await client.RequestAsync(0).Within();
        var second = await client.RequestAsync(0).Within();

        Assert.NotEqual(first, second);
        await tracker.Disposed(first).Within();
        await tracker.Disposed(second).Within();
        await host.StopAsync().Within();
    }

    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Transient)]
    [InlineData(ServiceLifetime.Singleton)]
    public async Task StartAsync_HandlerDependencyMissing_FailsNamingServerHandlerAndService(ServiceLifetime lifetime)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new ScopeTracker());
        builder.Services.AddUmpServer<int, int, NoError, ScopedHandler>("orders", o => o.HandlerLifetime = lifetime);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.Equal(
            "Ump server 'orders' cannot create its handler Ump.Hosting.Tests.ScopedHandler: no service is registered for Ump.Hosting.Tests.ScopedDependency for its parameter 'dependency'. Register it, or give the parameter a default value.",
            ex.Message);
        Assert.Equal(LogLevel.Critical, Assert.Single(host.Logs(), r => r.Id.Name == "StartFailed").Level);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task StartAsync_KeyedHandlerDependencyMissing_FailsNamingTheKey()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new ScopeTracker());
        builder.Services.AddKeyedScoped<ScopedDependency>("elsewhere");
        builder.Services.AddUmpServer<int, int, NoError, KeyedDependencyHandler>();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.Contains("Ump server '(unnamed)'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Ump.Hosting.Tests.ScopedDependency (keyed \"primary\") for its parameter 'dependency'", ex.Message, StringComparison.Ordinal);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task StartAsync_DependenciesRegisteredOrOptional_StartsAndServes()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new ScopeTracker());
        builder.Services.AddKeyedScoped<ScopedDependency>("primary");
        builder.Services.AddUmpServer<int, int, NoError, KeyedDependencyHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();

        Assert.Equal(1, await client.RequestAsync(0).Within());
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleAsync_SingletonLifetime_KeepsStateAcrossRequests()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, CountingHandler>("counter", o => o.HandlerLifetime = ServiceLifetime.Singleton);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("counter").CreateClient();

        int[] replies = [await client.RequestAsync(0).Within(), await client.RequestAsync(0).Within(), await client.RequestAsync(0).Within()];

        Assert.Equal([1, 2, 3], replies);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task MaxConcurrency_One_NeverOverlapsAndKeepsOrder()
    {
        var builder = TestHost.CreateBuilder();
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 1 };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();

        // Sent in order from one task: that is the queue's order.
        var requests = Enumerable.Range(1, 20).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await probe.EnteredEnough.Task.Within();
        Assert.Equal(1, probe.EnteredCount);
        probe.Gate.SetResult();
        var replies = await Task.WhenAll(requests).Within();

        Assert.Equal(Enumerable.Range(1, 20), replies);
        Assert.Equal(Enumerable.Range(1, 20), probe.Entered);
        Assert.Equal(1, probe.MaxActive);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task MaxConcurrency_Four_ReachesFourNeverFive()
    {
        var builder = TestHost.CreateBuilder();
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 4 };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("pool", o => o.MaxConcurrency = 4);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("pool").CreateClient();

        var firstFour = Enumerable.Range(1, 4).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await probe.EnteredEnough.Task.Within();
        // Four handlers hold every slot at the closed gate. A fifth request stays queued: withdrawing it proves the
        // dispatcher never took it (a taken request would have entered the handler).
        using var giveUp = new CancellationTokenSource();
        var fifth = client.RequestAsync(5, giveUp.Token).AsTask();
        var more = Enumerable.Range(6, 16).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        Assert.Equal(4, probe.EnteredCount);
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fifth.Within());
        Assert.Equal(4, probe.EnteredCount);

        probe.Gate.SetResult();
        await Task.WhenAll(firstFour).Within();
        var replies = await Task.WhenAll(more).Within();

        Assert.Equal(Enumerable.Range(6, 16), replies);
        Assert.DoesNotContain(5, probe.Entered);
        Assert.Equal(4, probe.MaxActive);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleAsync_Throws_LoggedAndCallerGetsNoReplyWithTheException()
    {
        var builder = TestHost.CreateBuilder();
        var probe = new Probe();
        var boom = new InvalidOperationException("boom");
        probe.Body = (request, reply, _) =>
        {
            if (request == 1)
            {
                throw boom;
            }

            reply.Reply(request * 10);
            return ValueTask.CompletedTask;
        };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("orders");
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var scope = host.Services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredKeyedService<Client<int, int, NoError>>("orders");

        var ex = await client.RequestAsync(1).FailsWith<UmpException>();
        var next = await client.RequestAsync(2).Within();

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.Same(boom, ex.InnerException);
        Assert.Equal(20, next);
        var record = Assert.Single(host.Logs(), r => r.Id.Id == 2);
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.Equal("HandlerFailed", record.Id.Name);
        Assert.Same(boom, record.Exception);
        Assert.Equal("orders", record.GetStructuredStateValue("ServerName"));
        Assert.Equal(typeof(int).ToString(), record.GetStructuredStateValue("RequestType"));
        Assert.Contains("Ump server 'orders'", record.Message, StringComparison.Ordinal);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleAsync_HandlerExceptionLogLevelWarning_LoggedAtWarning()
    {
        var builder = TestHost.CreateBuilder();
        var probe = new Probe { Body = (_, _, _) => throw new InvalidOperationException("boom") };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>().Configure(o => o.HandlerExceptionLogLevel = LogLevel.Warning);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();

        await client.RequestAsync(1).FailsWith<UmpException>();

        var record = Assert.Single(host.Logs(), r => r.Id.Id == 2);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal("(unnamed)", record.GetStructuredStateValue("ServerName"));
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleAsync_ReturnsWithoutReplyAndKeepsNoReference_CallerGetsNoReply()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, ForgetfulHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();

        var request = client.RequestAsync(1).AsTask();
        // Nothing holds the reply context any more: the core's finalizer safety net answers the caller.
        for (var i = 0; i < 200 && !request.IsCompleted; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.WhenAny(request, Task.Delay(10));
        }

        var ex = await Assert.ThrowsAsync<UmpException>(() => request.Within());
        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        // Returning without a reply is only Debug (the context may have been handed on); its collection is the Warning.
        Assert.Equal(LogLevel.Debug, Assert.Single(host.Logs(), r => r.Id.Id == 3).Level);
        var record = Assert.Single(host.Logs(), r => r.Id.Id == 16);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal("(unnamed)", record.GetStructuredStateValue("ServerName"));
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleAsync_ContextHandedToOtherCode_ReplyReachesCallerWithoutWarning()
    {
        var builder = TestHost.CreateBuilder();
        var deferred = new ConcurrentQueue<ReplyContext<int, NoError>>();
        var handedOver = new SemaphoreSlim(0);
        var probe = new Probe
        {
            Body = (_, reply, _) =>
            {
                deferred.Enqueue(reply);
                handedOver.Release();
                return ValueTask.CompletedTask;
            },
        };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();

        var first = client.RequestAsync(1).AsTask();
        var second = client.RequestAsync(2).AsTask();
        await handedOver.WaitAsync(Bounded.Timeout);
        await handedOver.WaitAsync(Bounded.Timeout);
        var value = 100;
        while (deferred.TryDequeue(out var reply))
        {
            reply.Reply(value++);
        }

        Assert.Equal(100, await first.Within());
        Assert.Equal(101, await second.Within());
        var records = host.Logs().Where(r => r.Id.Id == 3).ToArray();
        Assert.Equal([LogLevel.Debug, LogLevel.Debug], records.Select(r => r.Level));
        Assert.DoesNotContain(host.Logs(), r => r.Level >= LogLevel.Warning);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task RequestTimeout_FakeTimePasses_CallerTimesOutAndHandlerTokenFires()
    {
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        var tokenFired = Bounded.NewSignal();
        var probe = new Probe { EnteredTarget = 1 };
        probe.Body = async (_, reply, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            tokenFired.TrySetResult();
            Assert.False(reply.Reply(0)); // the caller already gave up
        };
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("slow", o => o.RequestTimeout = TimeSpan.FromSeconds(5));
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("slow").CreateClient();

        var request = client.RequestAsync(1).AsTask();
        await probe.EnteredEnough.Task.Within();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(request.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<TimeoutException>(() => request.Within());
        await tokenFired.Task.Within();
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleAsync_CallerCancels_HandlerTokenFiresAndShutdownDoesNot()
    {
        var builder = TestHost.CreateBuilder();
        var tokenFired = Bounded.NewSignal();
        var probe = new Probe { EnteredTarget = 1 };
        probe.Body = async (_, _, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            tokenFired.TrySetResult();
        };
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();
        using var giveUp = new CancellationTokenSource();

        var request = client.RequestAsync(1, giveUp.Token).AsTask();
        await probe.EnteredEnough.Task.Within();
        giveUp.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.Within());
        await tokenFired.Task.Within();
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleAsync_HandlerLogs_RecordCarriesServerNameScope()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, LoggingHandler>("audit");
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("audit").CreateClient();

        Assert.Equal(1, await client.RequestAsync(1).Within());

        var record = Assert.Single(
            host.Services.GetRequiredService<Microsoft.Extensions.Logging.Testing.FakeLogCollector>().GetSnapshot(),
            r => r.Message == "handled 1");
        var scope = Assert.Single(record.Scopes.OfType<IEnumerable<KeyValuePair<string, object?>>>());
        Assert.Contains(new KeyValuePair<string, object?>("ServerName", "audit"), scope);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task SlowHandlerThreshold_HandlerSlowerThanIt_LoggedAtWarning()
    {
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        var probe = new Probe
        {
            Body = (request, reply, _) =>
            {
                time.Advance(TimeSpan.FromMilliseconds(request)); // the handler "takes" that long
                reply.Reply(request);
                return ValueTask.CompletedTask;
            },
        };
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(probe);
        builder.Services.AddUmpServer<int, int, NoError, GatedHandler>("slow");
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("slow").CreateClient();

        await client.RequestAsync(100).Within();
        await client.RequestAsync(300).Within();
        await host.StopAsync().Within();

        var record = Assert.Single(host.Logs(), r => r.Id.Id == 4);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal("300", record.GetStructuredStateValue("ElapsedMilliseconds"));
    }

    [Fact]
    public async Task StartAsync_SingletonHandlerConstructorThrows_StartFailsAndLogsCritical()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        builder.Services.AddUmpServer<int, int, NoError, ThrowingConstructorHandler>("bad", o => o.HandlerLifetime = ServiceLifetime.Singleton);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.Equal("no handler today", ex.Message);
        var record = Assert.Single(host.Logs(), r => r.Id.Id == 12);
        Assert.Equal(LogLevel.Critical, record.Level);
        // Nothing to drain: the stop does not wait for the server's ShutdownTimeout (fake time never moves).
        await host.StopAsync().Within();
    }
}

public sealed class ScopeTracker
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _disposed = new();
    private int _created;

    public int Created => Volatile.Read(ref _created);

    public bool DisposedBeforeReply { get; set; }

    public int Create()
    {
        var id = Interlocked.Increment(ref _created);
        _disposed.GetOrAdd(id, _ => Bounded.NewSignal());
        return id;
    }

    public void Dispose(int id) => _disposed.GetOrAdd(id, _ => Bounded.NewSignal()).TrySetResult();

    public Task Disposed(int id) => _disposed.GetOrAdd(id, _ => Bounded.NewSignal()).Task;
}

public sealed class ScopedDependency : IDisposable
{
    private readonly ScopeTracker _tracker;

    public ScopedDependency(ScopeTracker tracker)
    {
        _tracker = tracker;
        Id = tracker.Create();
    }

    public int Id { get; }

    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        IsDisposed = true;
        _tracker.Dispose(Id);
    }
}

public sealed class ScopedHandler(ScopedDependency dependency, ScopeTracker tracker) : IUmpHandler<int, int, NoError>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        tracker.DisposedBeforeReply |= dependency.IsDisposed;
        reply.Reply(dependency.Id);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Needs a keyed dependency; the optional one is never registered.</summary>
public sealed class KeyedDependencyHandler([FromKeyedServices("primary")] ScopedDependency dependency, ILogger<KeyedDependencyHandler>? optional = null) : IUmpHandler<int, int, NoError>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(dependency.Id);
        GC.KeepAlive(optional);
        return ValueTask.CompletedTask;
    }
}

public sealed class AsyncDisposableHandler : IUmpHandler<int, int, NoError>, IAsyncDisposable
{
    private readonly ScopeTracker _tracker;
    private readonly int _id;

    public AsyncDisposableHandler(ScopeTracker tracker)
    {
        _tracker = tracker;
        _id = tracker.Create();
    }

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(_id);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _tracker.Dispose(_id);
        return ValueTask.CompletedTask;
    }
}

public sealed class CountingHandler : IUmpHandler<int, int, NoError>
{
    private int _count;

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(++_count);
        return ValueTask.CompletedTask;
    }
}

public sealed partial class LoggingHandler(ILogger<LoggingHandler> logger) : IUmpHandler<int, int, NoError>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        Handled(logger, request);
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "handled {Request}")]
    private static partial void Handled(ILogger logger, int request);
}

public sealed class ForgetfulHandler : IUmpHandler<int, int, NoError>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

public sealed class ThrowingConstructorHandler : IUmpHandler<int, int, NoError>
{
    public ThrowingConstructorHandler() => throw new InvalidOperationException("no handler today");

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
