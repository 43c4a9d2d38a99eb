using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>
/// User code (a handler, a filter, their DisposeAsync) may install a synchronization context before it returns an
/// unfinished task: the dispatcher's own continuations never run on it.
/// </summary>
public sealed class SynchronizationContextTests
{
    [Fact]
    public async Task SingletonHandler_ReturnsUnfinishedOnItsOwnContext_TheDispatcherDoesNotContinueOnIt()
    {
        var switcher = new KitContextSwitch("handle");
        await using var kit = Create<KitSwitchingHandler>("context-singleton-handler", ServiceLifetime.Singleton, switcher);
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(1, await client.RequestAsync(1).Within());
        await switcher.Release("handle");
        await dispatcher.StopAsync().Within();

        Assert.Equal(0, switcher.Context.Posts);
    }

    [Fact]
    public async Task ScopedHandler_HandleAndDisposeReturnUnfinishedOnTheirOwnContext_TheDispatcherDoesNotContinueOnIt()
    {
        var switcher = new KitContextSwitch("handle", "dispose:handler");
        await using var kit = Create<KitSwitchingHandler>("context-scoped-handler", ServiceLifetime.Scoped, switcher);
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(1, await client.RequestAsync(1).Within());
        await switcher.Release("handle");
        await switcher.Release("dispose:handler");
        await dispatcher.StopAsync().Within();

        Assert.Equal(0, switcher.Context.Posts);
    }

    [Fact]
    public async Task SingletonHandler_DisposeAsyncReturnsUnfinishedOnItsOwnContext_TheDispatcherDoesNotContinueOnIt()
    {
        var switcher = new KitContextSwitch("dispose:handler");
        await using var kit = Create<KitSwitchingHandler>("context-singleton-dispose", ServiceLifetime.Singleton, switcher);
        var dispatcher = kit.Create();
        await dispatcher.StartAsync();

        var disposed = dispatcher.DisposeAsync().AsTask();
        await switcher.Release("dispose:handler");
        await disposed.Within();

        Assert.Equal(0, switcher.Context.Posts);
    }

    [Fact]
    public async Task SingletonFilter_InvokeAndDisposeReturnUnfinishedOnTheirOwnContext_TheDispatcherDoesNotContinueOnIt()
    {
        var switcher = new KitContextSwitch("filter", "dispose:filter");
        await using var kit = Create<EchoHandler>("context-singleton-filter", ServiceLifetime.Singleton, switcher, b => b.AddFilter<KitSwitchingFilter>());
        var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(-1, await client.RequestAsync(1).Within());
        await switcher.Release("filter");
        await dispatcher.StopAsync().Within();
        var disposed = dispatcher.DisposeAsync().AsTask();
        await switcher.Release("dispose:filter");
        await disposed.Within();

        Assert.Equal(0, switcher.Context.Posts);
    }

    [Fact]
    public async Task ScopedFilter_InvokeAndDisposeReturnUnfinishedOnTheirOwnContext_TheDispatcherDoesNotContinueOnIt()
    {
        var switcher = new KitContextSwitch("filter", "dispose:filter");
        await using var kit = Create<EchoHandler>("context-scoped-filter", ServiceLifetime.Scoped, switcher, b => b.AddFilter<KitSwitchingFilter>());
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(-1, await client.RequestAsync(1).Within());
        await switcher.Release("filter");
        await switcher.Release("dispose:filter");
        await dispatcher.StopAsync().Within();

        Assert.Equal(0, switcher.Context.Posts);
    }

    [Fact]
    public async Task ScopedFilterNotDisposable_ReturnsUnfinishedOnItsOwnContext_TheDispatcherDoesNotContinueOnIt()
    {
        var switcher = new KitContextSwitch("filter");
        await using var kit = Create<EchoHandler>("context-scoped-plain-filter", ServiceLifetime.Scoped, switcher, b => b.AddFilter<KitPlainSwitchingFilter>());
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(-1, await client.RequestAsync(1).Within());
        await switcher.Release("filter");
        await dispatcher.StopAsync().Within();

        Assert.Equal(0, switcher.Context.Posts);
    }

    [Fact]
    public async Task ScopedServiceOfTheHandler_DisposeAsyncReturnsUnfinishedOnItsOwnContext_TheDispatcherDoesNotContinueOnIt()
    {
        var switcher = new KitContextSwitch("dispose:scoped");
        await using var kit = new DispatcherKit<KitScopedServiceHandler>(
            "context-scoped-service",
            services: s => s.AddSingleton(switcher).AddScoped<KitSwitchingScopedService>());
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(1, await client.RequestAsync(1).Within());
        await switcher.Release("dispose:scoped");
        await dispatcher.StopAsync().Within();

        Assert.Equal(0, switcher.Context.Posts);
    }

    [Fact]
    public async Task DisposeAsync_CalledOnAContext_TheDispatcherDoesNotContinueOnIt()
    {
        var switcher = new KitContextSwitch("dispose:filter");
        await using var kit = Create<EchoHandler>("context-caller-dispose", ServiceLifetime.Singleton, switcher, b => b.AddFilter<KitSwitchingFilter>());
        var dispatcher = kit.Create();
        await dispatcher.StartAsync();

        var previous = SynchronizationContext.Current;
        Task disposed;
        SynchronizationContext.SetSynchronizationContext(switcher.Context);
        try
        {
            disposed = dispatcher.DisposeAsync().AsTask();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        await switcher.Release("dispose:filter");
        await disposed.Within();

        Assert.Equal(0, switcher.Context.Posts);
    }

    private static DispatcherKit<THandler> Create<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        string name, ServiceLifetime lifetime, KitContextSwitch switcher, Action<IUmpServerBuilder>? server = null)
        where THandler : class, IUmpHandler<int, int, NoError>
        => new(name, o => o.HandlerLifetime = lifetime, s => s.AddSingleton(switcher), server);
}

/// <summary>
/// The points where user code switches: there it installs <see cref="Context"/> and returns an unfinished task, which
/// the test finishes once the dispatcher awaits it.
/// </summary>
internal sealed class KitContextSwitch(params string[] points)
{
    private readonly ConcurrentDictionary<string, KitAwaitable> _awaitables = new();

    public CountingSynchronizationContext Context { get; } = new();

    public ValueTask Switch(string point)
    {
        if (!points.Contains(point))
        {
            return default;
        }

        var awaitable = For(point);
        SynchronizationContext.SetSynchronizationContext(Context);
        return awaitable.Task;
    }

    /// <summary>Waits until the dispatcher awaits the point's task, then finishes it.</summary>
    public async Task Release(string point)
    {
        var awaitable = For(point);
        await awaitable.Awaited.Task.Within();
        awaitable.Complete();
    }

    private KitAwaitable For(string point) => _awaitables.GetOrAdd(point, _ => new KitAwaitable());
}

/// <summary>A task that tells when it is awaited, and continues as the standard sources do (on the captured context when asked to).</summary>
internal sealed class KitAwaitable : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    public TaskCompletionSource Awaited { get; } = Bounded.NewSignal();

    public ValueTask Task => new(this, _core.Version);

    public void Complete() => _core.SetResult(true);

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _core.OnCompleted(continuation, state, token, flags);
        Awaited.TrySetResult();
    }
}

internal sealed class KitSwitchingHandler(KitContextSwitch switcher) : IUmpHandler<int, int, NoError>, IAsyncDisposable
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return switcher.Switch("handle");
    }

    public ValueTask DisposeAsync() => switcher.Switch("dispose:handler");
}

/// <summary>Answers with the negated request (the handler never runs), then switches.</summary>
internal sealed class KitSwitchingFilter(KitContextSwitch switcher) : IUmpFilter<int, int, NoError>, IAsyncDisposable
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next)
    {
        context.Reply.Reply(-context.Request);
        return switcher.Switch("filter");
    }

    public ValueTask DisposeAsync() => switcher.Switch("dispose:filter");
}

/// <summary>Like <see cref="KitSwitchingFilter"/>, but not disposable: a scoped server calls it directly.</summary>
internal sealed class KitPlainSwitchingFilter(KitContextSwitch switcher) : IUmpFilter<int, int, NoError>
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next)
    {
        context.Reply.Reply(-context.Request);
        return switcher.Switch("filter");
    }
}

/// <summary>A scoped service the container disposes with the request's scope.</summary>
internal sealed class KitSwitchingScopedService(KitContextSwitch switcher) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => switcher.Switch("dispose:scoped");
}

internal sealed class KitScopedServiceHandler(KitSwitchingScopedService service) : IUmpHandler<int, int, NoError>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        _ = service;
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}
