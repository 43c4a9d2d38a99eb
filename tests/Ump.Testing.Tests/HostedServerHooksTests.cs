using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ump.Hosting;

namespace Ump.Testing.Tests;

/// <summary>RecordUmpRequests and ReplaceUmpHandler on a server the code under test registers, in a real generic host.</summary>
public sealed class HostedServerHooksTests
{
    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Singleton)]
    public async Task RecordUmpRequests_RecordsWhatTheHandlerGets_AndTheHandlerStillAnswers(ServiceLifetime lifetime)
    {
        var calls = new HandlerCalls();
        var builder = CreateBuilder(calls, lifetime);
        var recorder = builder.Services.RecordUmpRequests<int, string, TestError>("orders");
        Assert.Same(recorder, builder.Services.RecordUmpRequests<int, string, TestError>("orders"));
        using var host = await StartAsync(builder);
        using var client = CreateClient(host);

        Assert.Equal("real 1", await client.RequestAsync(1).Within());
        Assert.Equal("real 2", await client.RequestAsync(2).Within());

        Assert.Equal([1, 2], await recorder.WaitForRequestsAsync(2, Bounded.Timeout));
        Assert.Equal([1, 2], recorder.Requests);
        Assert.Equal("orders", recorder.ServerName);
        Assert.Same(recorder, host.Services.GetRequiredKeyedService<UmpRequestRecorder<int, string, TestError>>("orders"));
        recorder.Clear();
        Assert.Empty(recorder.Requests);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task RecordUmpRequests_FewerRequestsThanAwaited_TimeoutNamesTheServer()
    {
        var builder = CreateBuilder(new HandlerCalls(), ServiceLifetime.Scoped);
        var recorder = builder.Services.RecordUmpRequests<int, string, TestError>("orders");
        using var host = await StartAsync(builder);
        using var client = CreateClient(host);
        await client.RequestAsync(1).Within();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => recorder.WaitForRequestsAsync(2, TimeSpan.FromMilliseconds(50)));

        Assert.StartsWith("Ump server 'orders' received 1 of the 2 requests expected within", ex.Message, StringComparison.Ordinal);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task ReplaceUmpHandler_Function_AnswersInsteadOfTheHandler_UmpExceptionFails()
    {
        var calls = new HandlerCalls();
        var builder = CreateBuilder(calls, ServiceLifetime.Scoped);
        var recorder = builder.Services.RecordUmpRequests<int, string, TestError>("orders");
        builder.Services.ReplaceUmpHandler<int, string, TestError>("orders", n => n < 0 ? throw new UmpException<TestError>(TestError.Refused) : $"fake {n}");
        using var host = await StartAsync(builder);
        using var client = CreateClient(host);

        Assert.Equal("fake 3", await client.RequestAsync(3).Within());
        var ex = await Assert.ThrowsAsync<UmpException<TestError>>(() => client.RequestAsync(-1).Within());

        Assert.Equal(TestError.Refused, ex.Error);
        Assert.Equal([3, -1], recorder.Requests);
        // Scoped: the registered handler is never even created.
        Assert.Equal(0, calls.Created);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task ReplaceUmpHandler_Handler_OnTheUnnamedServer_TheLastReplacementWins()
    {
        var calls = new HandlerCalls();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(calls).AddUmpServer<int, string, TestError, CountingRealHandler>();
        builder.Services.ReplaceUmpHandler<int, string, TestError>(_ => "first");
        builder.Services.ReplaceUmpHandler(new LambdaHandler((n, reply, _) =>
        {
            reply.Reply($"second {n}");
            return default;
        }));
        using var host = await StartAsync(builder);
        using var client = host.Services.GetRequiredService<IUmpClientFactory<int, string, TestError>>().CreateClient();

        Assert.Equal("second 4", await client.RequestAsync(4).Within());
        Assert.Equal(0, calls.Created);
        await host.StopAsync().Within();
    }

    [Fact]
    public void Hooks_ServerNotRegistered_ThrowSayingWhat()
    {
        var services = new ServiceCollection();

        var record = Assert.Throws<InvalidOperationException>(() => services.RecordUmpRequests<int, string, TestError>("orders"));
        var replace = Assert.Throws<InvalidOperationException>(() => services.ReplaceUmpHandler<int, string, TestError>(_ => "x"));

        Assert.StartsWith("No Ump server 'orders' of <Int32, String, TestError> is registered.", record.Message, StringComparison.Ordinal);
        Assert.StartsWith("No Ump server '(unnamed)' of <Int32, String, TestError> is registered.", replace.Message, StringComparison.Ordinal);
    }

    private static HostApplicationBuilder CreateBuilder(HandlerCalls calls, ServiceLifetime lifetime)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(calls);
        builder.Services.AddUmpServer<int, string, TestError, CountingRealHandler>("orders", o => o.HandlerLifetime = lifetime);
        return builder;
    }

    private static async Task<IHost> StartAsync(HostApplicationBuilder builder)
    {
        var host = builder.Build();
        await host.StartAsync().Within();
        return host;
    }

    private static Client<int, string, TestError> CreateClient(IHost host) =>
        host.Services.GetRequiredKeyedService<IUmpClientFactory<int, string, TestError>>("orders").CreateClient();
}

internal sealed class HandlerCalls
{
    private int _created;

    public int Created => Volatile.Read(ref _created);

    public void Create() => Interlocked.Increment(ref _created);
}

/// <summary>The application's own handler.</summary>
internal sealed class CountingRealHandler : IUmpHandler<int, string, TestError>
{
    public CountingRealHandler(HandlerCalls calls) => calls.Create();

    public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
    {
        reply.Reply($"real {request}");
        return default;
    }
}
