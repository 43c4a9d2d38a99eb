using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ump;

namespace Ump.Readme.Snippets;

public static class Registration
{
    // The body of a Program.cs: README shows it as top-level statements.
    public static async Task RunAsync(string[] args)
    {
        #region registration
        var builder = Host.CreateApplicationBuilder(args);

        // The unnamed server of these types: an unkeyed scoped Client and a singleton IUmpClientFactory.
        builder.Services.AddUmpServer<PlaceOrder, OrderPlaced, OrderError, PlaceOrderHandler>()
                        .BindConfiguration("Ump:Orders");

        // Named servers: keyed services (the name is the key); same type arguments, separate servers.
        builder.Services.AddUmpServer<string, string, NoError, EmailHandler>("email", o => o.MaxConcurrency = 8);
        builder.Services.AddUmpServer<string, string, NoError, SmsHandler>("sms")
                        .BindConfiguration("Ump:Sms")
                        .Configure(o => o.HandlerLifetime = ServiceLifetime.Singleton);

        using var host = builder.Build();
        await host.RunAsync();
        #endregion
    }

    public static void ShutdownTimeout(HostApplicationBuilder builder)
    {
        #region host-shutdown-timeout
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
        #endregion
    }
}
