using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ump;
using Ump.Hosting;

// A keyed client: the server named "email".
public sealed class Notifier([FromKeyedServices("email")] Client<string, string, NoError> email)
{
    public ValueTask<string> NotifyAsync(string who, CancellationToken ct) => email.RequestAsync(who, ct);
}

// Singletons and workers live outside any scope: a client of your own, disposed when you are done.
public sealed class Nightly(IUmpClientFactory<PlaceOrder, OrderPlaced, OrderError> factory) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var orders = factory.CreateClient();
        await orders.RequestAsync(new PlaceOrder("nightly-restock", 1), stoppingToken);
    }
}
