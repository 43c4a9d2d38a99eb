using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ump.Hosting.Internal;
using Ump.Hosting.Internal.Dispatching;

namespace Ump.Hosting.Tests;

public sealed class FilterTests
{
    public static TheoryData<ServiceLifetime, int> LifetimesAndConcurrency => new()
    {
        { ServiceLifetime.Singleton, 1 },
        { ServiceLifetime.Singleton, 4 },
        { ServiceLifetime.Scoped, 1 },
        { ServiceLifetime.Scoped, 4 },
        { ServiceLifetime.Transient, 1 },
    };

    [Theory]
    [MemberData(nameof(LifetimesAndConcurrency))]
    public async Task Filters_RunInTheOrderAdded_AroundTheHandler(ServiceLifetime lifetime, int maxConcurrency)
    {
        var log = new FilterLog();
        using var host = await StartAsync(log, s => s
            .AddUmpServer<int, int, string, FilteredHandler>("f", o => (o.HandlerLifetime, o.MaxConcurrency) = (lifetime, maxConcurrency))
            .AddFilter<OuterFilter>()
            .AddFilter<InnerFilter>());
        using var client = CreateClient(host);

        Assert.Equal(7, await client.RequestAsync(7).Within());

        Assert.Equal(["outer>7", "inner>7", "handler 7", "inner<7 answered", "outer<7 answered"], log.Entries);
        await host.StopAsync().Within();
    }

    [Theory]
    [MemberData(nameof(LifetimesAndConcurrency))]
    public async Task Filter_AnswersItself_HandlerAndInnerFiltersNeverRun(ServiceLifetime lifetime, int maxConcurrency)
    {
        var log = new FilterLog();
        using var host = await StartAsync(log, s => s
            .AddUmpServer<int, int, string, FilteredHandler>("f", o => (o.HandlerLifetime, o.MaxConcurrency) = (lifetime, maxConcurrency))
            .AddFilter<NonNegativeFilter>()
            .AddFilter<InnerFilter>());
        using var client = CreateClient(host);

        var ex = await Assert.ThrowsAsync<UmpException<string>>(() => client.RequestAsync(-1).Within());
        Assert.Equal(UmpErrorKind.App, ex.Kind);
        Assert.Equal("negative: -1", ex.Error);
        Assert.Equal(2, await client.RequestAsync(2).Within());

        Assert.Equal(["inner>2", "handler 2", "inner<2 answered"], log.Entries);
        // Once at start for a singleton server; per request, and only when the request gets that far, otherwise.
        Assert.Equal(1, log.Created(typeof(InnerFilter)));
        await host.StopAsync().Within();
    }

    [Theory]
    [MemberData(nameof(LifetimesAndConcurrency))]
    public async Task Filter_Throws_CallerGetsNoReplyWithTheException_AndTheServerGoesOn(ServiceLifetime lifetime, int maxConcurrency)
    {
        var log = new FilterLog();
        using var host = await StartAsync(log, s => s
            .AddUmpServer<int, int, string, FilteredHandler>("f", o => (o.HandlerLifetime, o.MaxConcurrency) = (lifetime, maxConcurrency))
            .AddFilter<ThrowingFilter>());
        using var client = CreateClient(host);

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(13).Within());
        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.Equal("unlucky 13", Assert.IsType<InvalidOperationException>(ex.InnerException).Message);
        Assert.Equal(4, await client.RequestAsync(4).Within());

        var record = Assert.Single(host.Logs(), r => r.Id.Name == "HandlerFailed");
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.Equal("unlucky 13", record.Exception?.Message);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task Filter_AfterNext_SeesTheHandlersException()
    {
        var log = new FilterLog();
        using var host = await StartAsync(log, s => s
            .AddUmpServer<int, int, string, FilteredHandler>("f")
            .AddFilter<OuterFilter>());
        using var client = CreateClient(host);

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(FilteredHandler.Throws).Within());

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.Equal($"outer<{FilteredHandler.Throws} threw handler refused", log.Entries.Last());
        await host.StopAsync().Within();
    }

    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Transient)]
    public async Task ScopedServer_FilterSharesTheRequestsScope_AndIsDisposedWhenItsCallReturns(ServiceLifetime lifetime)
    {
        var log = new FilterLog();
        var tracker = new ScopeTracker();
        using var host = await StartAsync(log, s => s
            .AddSingleton(tracker)
            .AddScoped<ScopedDependency>()
            .AddUmpServer<int, int, NoError, ScopedHandler>("scoped", o => o.HandlerLifetime = lifetime)
            .AddFilter<ScopeFilter>());
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("scoped").CreateClient();

        var first = await client.RequestAsync(0).Within();
        var second = await client.RequestAsync(0).Within();
        await tracker.Disposed(second).Within();

        // The handler replies with its scoped dependency's id: the filter saw the same one, in the same scope, and was
        // disposed before it (the filter when its call returned, the dependency with the scope).
        Assert.NotEqual(first, second);
        Assert.Equal([$"scope {first}", $"disposed {first}", $"scope {second}", $"disposed {second}"], log.Entries);
        Assert.Equal(2, log.Created(typeof(ScopeFilter)));
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task SingletonServer_FilterCreatedOnceWithTheRootProvider_DisposedWithTheHost()
    {
        var log = new FilterLog();
        var host = await StartAsync(log, s => s
            .AddUmpServer<int, int, string, FilteredHandler>("f", o => o.HandlerLifetime = ServiceLifetime.Singleton)
            .AddFilter<DisposableContextFilter>());
        using (var client = CreateClient(host))
        {
            Assert.Equal(1, await client.RequestAsync(1).Within());
            Assert.Equal(2, await client.RequestAsync(2).Within());
        }

        Assert.Equal(1, log.Created(typeof(DisposableContextFilter)));
        Assert.Contains("server f root True", log.Entries);
        await host.StopAsync().Within();
        Assert.DoesNotContain("filter disposed", log.Entries);
        host.Dispose();
        Assert.Equal("filter disposed", log.Entries.Last());
    }

    [Fact]
    public async Task Context_UsedAfterItsCallReturned_ServicesThrows()
    {
        var log = new FilterLog();
        using var host = await StartAsync(log, s => s
            .AddUmpServer<int, int, string, FilteredHandler>("f")
            .AddFilter<DisposableContextFilter>());
        using var client = CreateClient(host);
        Assert.Equal(1, await client.RequestAsync(1).Within());

        var kept = log.LastContext!;
        var ex = Assert.Throws<InvalidOperationException>(() => kept.Services);

        Assert.StartsWith("This UmpHandlerContext is no longer valid", ex.Message, StringComparison.Ordinal);
        Assert.False(kept.Reply.IsPending);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task ConcurrentRequests_EachFilterCallHasItsOwnContext()
    {
        var log = new FilterLog();
        var probe = new Probe { Gate = Bounded.NewSignal(), EnteredTarget = 4 };
        using var host = await StartAsync(log, s => s
            .AddSingleton(probe)
            .AddUmpServer<int, int, NoError, GatedHandler>("c", o => (o.HandlerLifetime, o.MaxConcurrency) = (ServiceLifetime.Singleton, 4))
            .AddFilter<RequestKeepingFilter>());
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("c").CreateClient();

        var replies = Enumerable.Range(1, 4).Select(i => client.RequestAsync(i).AsTask()).ToArray();
        await probe.EnteredEnough.Task.Within();
        probe.Gate.SetResult();

        var answers = await Task.WhenAll(replies).Within();
        Assert.Equal([1, 2, 3, 4], answers);
        // Each filter read its request again after the handler: no other call had overwritten it.
        Assert.Equal(["1=1", "2=2", "3=3", "4=4"], log.Entries.Order());
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task Filter_CancellationToken_FiresWhenTheCallerGivesUp()
    {
        var log = new FilterLog();
        using var host = await StartAsync(log, s => s
            .AddUmpServer<int, int, string, FilteredHandler>("f")
            .AddFilter<WaitForCancellationFilter>());
        using var client = CreateClient(host);
        using var cts = new CancellationTokenSource();

        var request = client.RequestAsync(5, cts.Token).AsTask();
        await log.Entered.Task.Within();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.Within());
        await Bounded.Until(() => log.Entries.Contains("canceled 5"), "the filter saw its token fire");
        await host.StopAsync().Within();
    }

    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Singleton)]
    public async Task StartAsync_FilterDependencyMissing_FailsNamingServerFilterAndService(ServiceLifetime lifetime)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new FilterLog());
        builder.Services.AddUmpServer<int, int, string, FilteredHandler>("orders", o => o.HandlerLifetime = lifetime).AddFilter<NeedsMissingServiceFilter>();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.Equal(
            "Ump server 'orders' cannot create its filter Ump.Hosting.Tests.NeedsMissingServiceFilter: no service is registered for Ump.Hosting.Tests.ScopedDependency for its parameter 'dependency'. Register it, or give the parameter a default value.",
            ex.Message);
        await host.StopAsync().Within();
    }

    [Fact]
    public void AddFilter_OfOtherTypeArguments_ThrowsNamingTheInterface()
    {
        var services = new ServiceCollection();
        var builder = services.AddUmpServer<int, int, NoError, EchoHandler>("echo");

        var ex = Assert.Throws<ArgumentException>(() => builder.AddFilter<OuterFilter>());

        Assert.StartsWith(
            "Ump.Hosting.Tests.OuterFilter cannot filter Ump server 'echo': it does not implement Ump.Hosting.IUmpFilter`3[System.Int32,System.Int32,Ump.NoError].",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigureUmpServer_AddsFiltersToAServerRegisteredElsewhere()
    {
        var log = new FilterLog();
        using var host = await StartAsync(log, s =>
        {
            s.AddUmpServer<int, int, string, FilteredHandler>();
            s.ConfigureUmpServer<int, int, string>().AddFilter<InnerFilter>();
            return s.AddUmpServer<int, int, string, FilteredHandler>("named").Services.ConfigureUmpServer<int, int, string>("named").AddFilter<OuterFilter>();
        });
        using var unnamed = host.Services.GetRequiredService<IUmpClientFactory<int, int, string>>().CreateClient();
        using var named = CreateClient(host, "named");

        Assert.Equal(1, await unnamed.RequestAsync(1).Within());
        Assert.Equal(2, await named.RequestAsync(2).Within());

        Assert.Equal(["inner>1", "handler 1", "inner<1 answered", "outer>2", "handler 2", "outer<2 answered"], log.Entries);
        await host.StopAsync().Within();
    }

    [Fact]
    public void ConfigureUmpServer_NotRegisteredOrOtherTypes_ThrowsSayingWhat()
    {
        var services = new ServiceCollection();
        services.AddUmpServer<int, int, NoError, EchoHandler>("echo");

        var missing = Assert.Throws<InvalidOperationException>(() => services.ConfigureUmpServer<int, int, NoError>("other"));
        var otherTypes = Assert.Throws<InvalidOperationException>(() => services.ConfigureUmpServer<string, string, NoError>("echo"));
        var unnamed = Assert.Throws<InvalidOperationException>(() => services.ConfigureUmpServer<int, int, NoError>());

        Assert.Equal("No Ump server 'other' of <Int32, Int32, NoError> is registered. Register it first (AddUmpServer), then configure it.", missing.Message);
        Assert.Equal("Ump server 'echo' is registered by AddUmpServer<Int32, Int32, NoError, EchoHandler>, not with the type arguments <String, String, NoError>.", otherTypes.Message);
        Assert.Equal("No Ump server '(unnamed)' of <Int32, Int32, NoError> is registered. Register it first (AddUmpServer), then configure it.", unnamed.Message);
    }

    [Fact]
    public void SingletonPipeline_SynchronousFilterAndHandler_AllocatesNothingPerRequest()
    {
        var services = new ServiceCollection().BuildServiceProvider();
        var activator = new HandlerActivator<int, int, NoError, EchoHandler>(
            services, ServiceLifetime.Singleton, "cheap", [new UmpFilterRegistration<int, int, NoError>(typeof(PassThroughFilter))]);
        activator.Start("cheap");
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var ownedServer = server;
        using var ownedClient = client;

        // One thread plays every part, so the count is deterministic; no assertion inside (xunit's allocate).
        void RoundTrip(int i)
        {
            var pending = client.RequestAsync(i);
            if (!server.TryWait(out var request, out var reply) ||
                !activator.InvokeAsync(request, reply, CancellationToken.None).IsCompletedSuccessfully ||
                pending.GetAwaiter().GetResult() != i)
            {
                throw new InvalidOperationException("The round trip did not complete synchronously with its reply.");
            }
        }

        for (var i = 0; i < 100; i++)
        {
            RoundTrip(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            RoundTrip(i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static async Task<IHost> StartAsync(FilterLog log, Func<IServiceCollection, IUmpServerBuilder> register)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(log);
        register(builder.Services);
        var host = builder.Build();
        await host.StartAsync().Within();
        return host;
    }

    private static Client<int, int, string> CreateClient(IHost host, string name = "f") =>
        host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>(name).CreateClient();
}

/// <summary>What the filters and handlers of a test saw, in order.</summary>
public sealed class FilterLog
{
    private readonly ConcurrentQueue<string> _entries = new();
    private readonly ConcurrentDictionary<Type, int> _created = new();

    public string[] Entries => [.. _entries];

    public TaskCompletionSource Entered { get; } = Bounded.NewSignal();

    public UmpHandlerContext<int, int, string>? LastContext { get; set; }

    public void Add(string entry) => _entries.Enqueue(entry);

    public void Creating(object filter) => _created.AddOrUpdate(filter.GetType(), 1, static (_, n) => n + 1);

    public int Created(Type type) => _created.GetValueOrDefault(type);
}

public sealed class FilteredHandler(FilterLog log) : IUmpHandler<int, int, string>
{
    public const int Throws = 666;

    public ValueTask HandleAsync(int request, ReplyContext<int, string> reply, CancellationToken cancellationToken)
    {
        log.Add($"handler {request}");
        if (request == Throws)
        {
            throw new InvalidOperationException("handler refused");
        }

        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Logs its way in and out, and what the rest did.</summary>
public abstract class AroundFilter(FilterLog log, string name) : IUmpFilter<int, int, string>
{
    public async ValueTask InvokeAsync(UmpHandlerContext<int, int, string> context, UmpHandlerDelegate<int, int, string> next)
    {
        log.Add($"{name}>{context.Request}");
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            log.Add($"{name}<{context.Request} threw {ex.Message}");
            throw;
        }

        log.Add($"{name}<{context.Request} {(context.Reply.IsPending ? "pending" : "answered")}");
    }
}

public sealed class OuterFilter : AroundFilter
{
    public OuterFilter(FilterLog log)
        : base(log, "outer") => log.Creating(this);
}

public sealed class InnerFilter : AroundFilter
{
    public InnerFilter(FilterLog log)
        : base(log, "inner") => log.Creating(this);
}

public sealed class NonNegativeFilter : IUmpFilter<int, int, string>
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, string> context, UmpHandlerDelegate<int, int, string> next)
    {
        if (context.Request < 0)
        {
            context.Reply.Fail($"negative: {context.Request}");
            return ValueTask.CompletedTask;
        }

        return next(context);
    }
}

public sealed class ThrowingFilter : IUmpFilter<int, int, string>
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, string> context, UmpHandlerDelegate<int, int, string> next) =>
        context.Request == 13 ? throw new InvalidOperationException("unlucky 13") : next(context);
}

public sealed class ScopeFilter : IUmpFilter<int, int, NoError>, IDisposable
{
    private readonly FilterLog _log;
    private readonly ScopedDependency _dependency;

    public ScopeFilter(FilterLog log, ScopedDependency dependency)
    {
        (_log, _dependency) = (log, dependency);
        log.Creating(this);
    }

    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next)
    {
        Assert.Same(_dependency, context.Services.GetRequiredService<ScopedDependency>());
        _log.Add($"scope {_dependency.Id}");
        return next(context);
    }

    public void Dispose() => _log.Add($"disposed {_dependency.Id}");
}

/// <summary>Keeps the last context it saw, records what its context says, and logs its disposal.</summary>
public sealed class DisposableContextFilter : IUmpFilter<int, int, string>, IAsyncDisposable
{
    private readonly FilterLog _log;
    private readonly IServiceProvider _root;

    public DisposableContextFilter(FilterLog log, IServiceProvider services)
    {
        (_log, _root) = (log, services);
        log.Creating(this);
    }

    public ValueTask InvokeAsync(UmpHandlerContext<int, int, string> context, UmpHandlerDelegate<int, int, string> next)
    {
        _log.LastContext = context;
        _log.Add($"server {context.ServerName} root {ReferenceEquals(_root, context.Services)}");
        return next(context);
    }

    public ValueTask DisposeAsync()
    {
        _log.Add("filter disposed");
        return ValueTask.CompletedTask;
    }
}

public sealed class RequestKeepingFilter(FilterLog log) : IUmpFilter<int, int, NoError>
{
    public async ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next)
    {
        var request = context.Request;
        await next(context);
        log.Add($"{request}={context.Request}");
    }
}

public sealed class WaitForCancellationFilter(FilterLog log) : IUmpFilter<int, int, string>
{
    public async ValueTask InvokeAsync(UmpHandlerContext<int, int, string> context, UmpHandlerDelegate<int, int, string> next)
    {
        log.Entered.TrySetResult();
        try
        {
            await Task.Delay(Bounded.Timeout, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            log.Add($"canceled {context.Request}");
            throw;
        }
    }
}

public sealed class NeedsMissingServiceFilter(ScopedDependency dependency) : IUmpFilter<int, int, string>
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, string> context, UmpHandlerDelegate<int, int, string> next)
    {
        GC.KeepAlive(dependency);
        return next(context);
    }
}

public sealed class PassThroughFilter : IUmpFilter<int, int, NoError>
{
    public ValueTask InvokeAsync(UmpHandlerContext<int, int, NoError> context, UmpHandlerDelegate<int, int, NoError> next) => next(context);
}
