using Microsoft.AspNetCore.Mvc;
using Ump;

[ApiController]
[Route("orders")]
public sealed class OrdersController(Client<PlaceOrder, OrderPlaced, OrderError> orders) : ControllerBase
{
    [HttpPost]
    public async Task<IActionResult> Post(PlaceOrder order, CancellationToken ct)
    {
        try
        {
            return Ok(await orders.RequestAsync(order, ct));
        }
        catch (UmpException<OrderError> ex) when (ex.Error == OrderError.OutOfStock)
        {
            return Conflict();
        }
    }
}
