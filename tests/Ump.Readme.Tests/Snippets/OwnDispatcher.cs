using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ump.Hosting;

namespace Ump.Readme.Snippets;

public static class OwnDispatcher
{
    public static async Task RunAsync(IInventory inventory)
    {
        #region own-dispatcher
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(inventory);
        services.AddUmpDispatcher<PlaceOrder, OrderPlaced, OrderError, PlaceOrderHandler>("orders", o => o.MaxConcurrency = 4);
        await using var provider = services.BuildServiceProvider();

        var factory = provider.GetRequiredKeyedService<IUmpDispatcherFactory<PlaceOrder, OrderPlaced, OrderError>>("orders");
        await using var dispatcher = factory.CreateDispatcher();
        await dispatcher.StartAsync();                          // checks the handler's dependencies, then serves
        using (var client = dispatcher.CreateClient())
        {
            Console.WriteLine(await client.RequestAsync(new PlaceOrder("sku-1", 2)));
        }

        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await dispatcher.StopAsync(drain.Token);                // the drain: queued and running requests finish
        #endregion
    }
}
