using Microsoft.Extensions.Hosting;
using Ump;
using Ump.Hosting;

// A worker that keeps calling a server which may be restarting: ServerDisappeared is retried with a backoff that
// observes the stopping token, so the loop never spins and the host's stop is not held up.
public sealed class Restocker(IUmpClientFactory<PlaceOrder, OrderPlaced, OrderError> factory, TimeProvider time) : BackgroundService
{
    #region retry-loop
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var orders = factory.CreateClient();
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await orders.RequestAsync(new PlaceOrder("restock", 1), stoppingToken);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared)
            {
                // The server is draining or gone: wait before the next try, and stop waiting when the host stops.
                await Task.Delay(backoff, time, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
    #endregion
}
