using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>
/// A container with a tracking fake clock and fake logs, no host, and one dispatcher-only server: what a dispatcher
/// needs and nothing else. The handler, the options, extra services and the server's filters are the test's.
/// </summary>
internal sealed class DispatcherKit<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler> : IAsyncDisposable
    where THandler : class, IUmpHandler<int, int, NoError>
{
    private readonly ServiceProvider _services;

    public DispatcherKit(
        string name,
        Action<UmpServerOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<IUmpServerBuilder>? server = null)
    {
        Name = name;
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        collection.AddSingleton<TimeProvider>(Time);
        collection.AddSingleton(Probe);
        collection.AddSingleton(Events);
        services?.Invoke(collection);
        var builder = collection.AddUmpDispatcher<int, int, NoError, THandler>(name, configure);
        server?.Invoke(builder);
        _services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public string Name { get; }

    public TrackingTimeProvider Time { get; } = new();

    public Probe Probe { get; } = new();

    public KitEvents Events { get; } = new();

    public IServiceProvider Services => _services;

    public IUmpDispatcherFactory<int, int, NoError> Factory => _services.GetRequiredKeyedService<IUmpDispatcherFactory<int, int, NoError>>(Name);

    /// <summary>The factory's view of its dispatchers, as the server's health check sees it.</summary>
    public IUmpServerStatus FactoryStatus => (IUmpServerStatus)Factory;

    public UmpDispatcher<int, int, NoError> Create() => Factory.CreateDispatcher();

    public FakeLogRecord[] Logs() =>
        [.. _services.GetRequiredService<FakeLogCollector>().GetSnapshot().Where(r => r.Category == "Ump.Hosting.UmpServer")];

    public string[] LogNames() => [.. Logs().Select(r => r.Id.Name ?? string.Empty)];

    public int Count(string eventName) => Logs().Count(r => r.Id.Name == eventName);

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>What the test's handlers and filters did, in order: "created:X", "disposed:X", and so on.</summary>
internal sealed class KitEvents
{
    private readonly ConcurrentQueue<string> _events = new();

    public string[] All => [.. _events];

    public void Add(string what) => _events.Enqueue(what);

    public int Count(string what) => _events.Count(e => e == what);
}

/// <summary>A fake clock that remembers every timer made on it (its due time and whether it was disposed), and can hold a tick back.</summary>
internal sealed class TrackingTimeProvider : FakeTimeProvider
{
    private readonly ConcurrentQueue<TrackedTimer> _timers = new();

    public TrackedTimer[] Timers => [.. _timers];

    /// <summary>Runs on the ticking thread before each timer callback (a test sets it to hold a tick at a barrier).</summary>
    public Action? BeforeTick { get; set; }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new TrackedTimer(dueTime);
        _timers.Enqueue(tracked);
        tracked.Inner = base.CreateTimer(
            s =>
            {
                BeforeTick?.Invoke();
                callback(s);
            },
            state,
            dueTime,
            period);
        return tracked;
    }
}

internal sealed class TrackedTimer(TimeSpan dueTime) : ITimer
{
    private int _disposed;

    public TimeSpan DueTime { get; } = dueTime;

    public bool Disposed => Volatile.Read(ref _disposed) != 0;

    internal ITimer Inner { get; set; } = null!;

    public bool Change(TimeSpan dueTime, TimeSpan period) => Inner.Change(dueTime, period);

    public void Dispose()
    {
        Volatile.Write(ref _disposed, 1);
        Inner.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, 1);
        return Inner.DisposeAsync();
    }
}

/// <summary>A synchronization context that counts what is posted to it and runs it on the thread pool.</summary>
internal sealed class CountingSynchronizationContext : SynchronizationContext
{
    private int _posts;

    public int Posts => Volatile.Read(ref _posts);

    public override void Post(SendOrPostCallback d, object? state)
    {
        Interlocked.Increment(ref _posts);
        ThreadPool.UnsafeQueueUserWorkItem(_ => d(state), null);
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        Interlocked.Increment(ref _posts);
        d(state);
    }

    public override SynchronizationContext CreateCopy() => this;
}
