using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Ump.Readme.Snippets;

public static class Observability
{
    public static void Register(HostApplicationBuilder builder)
    {
        #region observability
        builder.Services.AddUmpServer<PlaceOrder, OrderPlaced, OrderError, PlaceOrderHandler>("orders")
            .AddHealthCheck(degradedQueueLength: 100);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter("Ump"))
            .WithTracing(t => t.AddSource("Ump"));
        #endregion
    }
}
