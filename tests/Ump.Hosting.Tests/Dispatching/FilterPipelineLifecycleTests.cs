using System.Threading.Tasks.Sources;
using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>The filter pipeline's own bookkeeping: what a failed start disposes, and when a request's context is let go.</summary>
public sealed class FilterPipelineLifecycleTests
{
    [Fact]
    public async Task StartAsync_SingletonFilterConstructorThrows_StartFailsAndWhatWasMadeAlreadyIsDisposed()
    {
        await using var kit = new DispatcherKit<KitDisposableHandler>(
            "pipeline-filter-constructor-throws",
            o => o.HandlerLifetime = ServiceLifetime.Singleton,
            server: b => b.AddFilter<KitThrowingConstructorFilter>().AddFilter<KitInnerDisposableFilter>());
        await using var dispatcher = kit.Create();

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => dispatcher.StartAsync());

        Assert.Contains("the filter cannot be made", ex.ToString(), StringComparison.Ordinal);
        // Filters are made innermost first: the inner one exists when the outer one fails.
        Assert.Equal(["disposed:inner", "disposed:handler"], kit.Events.All);
        Assert.Equal("Faulted", ((Internal.Telemetry.IUmpServerStatus)dispatcher).State);
    }

    [Fact]
    public async Task Filter_ThrowsSynchronously_ItsContextIsLetGo()
    {
        var holder = new KitContextHolder();
        await using var kit = new DispatcherKit<EchoHandler>(
            "pipeline-sync-throw",
            services: s => s.AddSingleton(holder),
            server: b => b.AddFilter<KitSyncThrowingFilter>());
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(1).AsTask().Within());
        await dispatcher.StopAsync().Within();

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        var context = Assert.IsType<UmpHandlerContext<int, int, NoError>>(holder.Context);
        Assert.Throws<InvalidOperationException>(() => context.Services);
        Assert.Equal(0, context.Request);
    }

    [Fact]
    public async Task Filter_CompletesAfterYielding_ItsContextIsLetGoWhenItsCallReturns()
    {
        var holder = new KitContextHolder();
        await using var kit = new DispatcherKit<EchoHandler>(
            "pipeline-async-release",
            o => o.HandlerLifetime = ServiceLifetime.Singleton,
            services: s => s.AddSingleton(holder),
            server: b => b.AddFilter<KitYieldingFilter>());
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(7, await client.RequestAsync(7).Within());
        await dispatcher.StopAsync().Within();

        var context = Assert.IsType<UmpHandlerContext<int, int, NoError>>(holder.Context);
        Assert.Throws<InvalidOperationException>(() => context.Services);
        Assert.Equal(0, context.Request);
    }

    [Fact]
    public async Task Filter_ReturnsACompletedTaskBackedByASource_ItsResultIsTakenOnce()
    {
        var source = new KitCompletedSource();
        await using var kit = new DispatcherKit<EchoHandler>(
            "pipeline-source-result",
            o => o.HandlerLifetime = ServiceLifetime.Singleton,
            services: s => s.AddSingleton(source),
            server: b => b.AddFilter<KitSourceFilter>());
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(8, await client.RequestAsync(8).Within());
        await dispatcher.StopAsync().Within();

        Assert.Equal(1, source.Results);
    }
}

internal sealed class KitThrowingConstructorFilter : IUmpFilter<int, int, NoError>
{
    public KitThrowingConstructorFilter() => throw new InvalidOperationException("the filter cannot be made");

    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next) => next(context);
}

internal sealed class KitContextHolder
{
    public object? Context { get; set; }
}

internal sealed class KitSyncThrowingFilter(KitContextHolder holder) : IUmpFilter<int, int, NoError>
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next)
    {
        holder.Context = context;
        throw new InvalidOperationException("refused before any await");
    }
}

internal sealed class KitYieldingFilter(KitContextHolder holder) : IUmpFilter<int, int, NoError>
{
    public async ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next)
    {
        holder.Context = context;
        await Task.Yield();
        await next(context);
    }
}

/// <summary>Answers the request itself and returns a completed task backed by <see cref="KitCompletedSource"/>.</summary>
internal sealed class KitSourceFilter(KitCompletedSource source) : IUmpFilter<int, int, NoError>
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next)
    {
        context.Reply.Reply(context.Request);
        return new ValueTask(source, 0);
    }
}

/// <summary>An operation that has already succeeded, counting how often its result is taken (a pooled source needs exactly one).</summary>
internal sealed class KitCompletedSource : IValueTaskSource
{
    private int _results;

    public int Results => Volatile.Read(ref _results);

    public ValueTaskSourceStatus GetStatus(short token) => ValueTaskSourceStatus.Succeeded;

    public void GetResult(short token) => Interlocked.Increment(ref _results);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) => continuation(state);
}
