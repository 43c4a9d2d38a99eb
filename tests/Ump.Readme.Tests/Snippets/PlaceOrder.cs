using Microsoft.Extensions.Logging;
using Ump;
using Ump.Hosting;

public sealed record PlaceOrder(string Sku, int Quantity);
public sealed record OrderPlaced(Guid OrderId);
public enum OrderError { OutOfStock, UnknownSku }

public interface IInventory
{
    ValueTask<bool> TryReserveAsync(string sku, int quantity, CancellationToken ct);
}

public sealed class PlaceOrderHandler(IInventory inventory, ILogger<PlaceOrderHandler> logger)
    : IUmpHandler<PlaceOrder, OrderPlaced, OrderError>
{
    public async ValueTask HandleAsync(PlaceOrder request, ReplyContext<OrderPlaced, OrderError> reply, CancellationToken ct)
    {
        // ct fires when the caller gives up (its token, its RequestTimeout) or at the shutdown deadline.
        if (!await inventory.TryReserveAsync(request.Sku, request.Quantity, ct))
        {
            logger.LogInformation("{Sku} is out of stock", request.Sku);
            reply.Fail(OrderError.OutOfStock);       // the caller gets UmpException<OrderError>
            return;
        }

        reply.Reply(new OrderPlaced(Guid.NewGuid()));
    }
}
