using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Tests;

public sealed class ClientTests
{
    [Fact]
    public async Task ScopedClient_ScopeDisposed_ClientDisposedWhileServerServesOthers()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();

        Client<int, int, NoError> first;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            first = scope.ServiceProvider.GetRequiredService<Client<int, int, NoError>>();
            Assert.Same(first, scope.ServiceProvider.GetRequiredService<Client<int, int, NoError>>());
            Assert.Equal(1, await first.RequestAsync(1).Within());
        }

        await using var other = host.Services.CreateAsyncScope();
        var second = other.ServiceProvider.GetRequiredService<Client<int, int, NoError>>();

        Assert.NotSame(first, second);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.RequestAsync(2).Within());
        Assert.Equal(3, await second.RequestAsync(3).Within());
        using var fromFactory = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>().CreateClient();
        Assert.Equal(4, await fromFactory.RequestAsync(4).Within());
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task ClientFactory_CreateClient_ReturnsCallerOwnedClone()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>();
        using var host = builder.Build();
        await host.StartAsync().Within();
        var factory = host.Services.GetRequiredService<IUmpClientFactory<int, int, NoError>>();

        var a = factory.CreateClient();
        using var b = factory.CreateClient();
        a.Dispose();

        Assert.NotSame(a, b);
        Assert.Equal(5, await b.RequestAsync(5).Within());
        // The disposed one says what a hosted caller can do instead; Clone() is not it, since it throws too.
        var disposed = await Assert.ThrowsAsync<ObjectDisposedException>(() => a.RequestAsync(1).Within());
        Assert.Contains("IUmpClientFactory.CreateClient()", disposed.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => a.Clone());
        using var c = factory.CreateClient();
        Assert.Equal(6, await c.RequestAsync(6).Within());
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task AddUmpServer_TwoNamesSameTypeArguments_BothRunAndNeverCross()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<string, string, NoError, OrdersHandler>("orders");
        builder.Services.AddUmpServer<string, string, NoError, BillingHandler>("billing", o => o.MaxConcurrency = 2);
        builder.Services.AddScoped<Checkout>();
        using var host = builder.Build();
        await host.StartAsync().Within();

        await using var scope = host.Services.CreateAsyncScope();
        var checkout = scope.ServiceProvider.GetRequiredService<Checkout>();
        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => checkout.RunAsync(i))).Within();

        Assert.All(replies, r => Assert.Equal(("orders:" + r.Index, "billing:" + r.Index), (r.Orders, r.Billing)));
        Assert.Null(scope.ServiceProvider.GetService<Client<string, string, NoError>>());
        Assert.Null(scope.ServiceProvider.GetService<IUmpClientFactory<string, string, NoError>>());
        using var billing = host.Services.GetRequiredKeyedService<IUmpClientFactory<string, string, NoError>>("billing").CreateClient();
        Assert.Equal("billing:x", await billing.RequestAsync("x").Within());
        await host.StopAsync().Within();
    }
}

public sealed class OrdersHandler : IUmpHandler<string, string, NoError>
{
    public ValueTask HandleAsync(string request, ReplyContext<string, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply("orders:" + request);
        return ValueTask.CompletedTask;
    }
}

public sealed class BillingHandler : IUmpHandler<string, string, NoError>
{
    public async ValueTask HandleAsync(string request, ReplyContext<string, NoError> reply, CancellationToken cancellationToken)
    {
        await Task.Yield();
        reply.Reply("billing:" + request);
    }
}

/// <summary>A scoped consumer that injects both keyed clients.</summary>
public sealed class Checkout(
    [FromKeyedServices("orders")] Client<string, string, NoError> orders,
    [FromKeyedServices("billing")] Client<string, string, NoError> billing)
{
    public async Task<(int Index, string Orders, string Billing)> RunAsync(int index)
    {
        var key = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var o = orders.RequestAsync(key).AsTask();
        var b = billing.RequestAsync(key).AsTask();
        return (index, await o, await b);
    }
}
