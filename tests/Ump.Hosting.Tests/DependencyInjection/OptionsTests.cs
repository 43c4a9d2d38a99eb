using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ump.Hosting.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void UmpServerOptions_New_HasDocumentedDefaults()
    {
        var options = new UmpServerOptions();

        Assert.Equal(1, options.MaxConcurrency);
        Assert.Null(options.Capacity);
        Assert.Null(options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ShutdownTimeout);
        Assert.Equal(ServiceLifetime.Scoped, options.HandlerLifetime);
        Assert.Equal(LogLevel.Error, options.HandlerExceptionLogLevel);
        Assert.Equal(LogLevel.Debug, options.AppErrorLogLevel);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.SlowHandlerThreshold);
    }

    [Fact]
    public async Task BindConfiguration_InMemorySection_BindsEverySetting()
    {
        var builder = TestHost.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ump:Orders:MaxConcurrency"] = "3",
            ["Ump:Orders:Capacity"] = "50",
            ["Ump:Orders:RequestTimeout"] = "00:00:05",
            ["Ump:Orders:ShutdownTimeout"] = "00:00:12",
            ["Ump:Orders:HandlerLifetime"] = "Singleton",
            ["Ump:Orders:HandlerExceptionLogLevel"] = "Critical",
            ["Ump:Orders:AppErrorLogLevel"] = "Information",
            ["Ump:Orders:SlowHandlerThreshold"] = "00:00:01",
        });
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("orders").BindConfiguration("Ump:Orders");
        using var host = builder.Build();

        await host.StartAsync().Within();
        var options = host.Services.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get("orders");

        Assert.Equal(3, options.MaxConcurrency);
        Assert.Equal(50, options.Capacity);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(12), options.ShutdownTimeout);
        Assert.Equal(ServiceLifetime.Singleton, options.HandlerLifetime);
        Assert.Equal(LogLevel.Critical, options.HandlerExceptionLogLevel);
        Assert.Equal(LogLevel.Information, options.AppErrorLogLevel);
        Assert.Equal(TimeSpan.FromSeconds(1), options.SlowHandlerThreshold);

        using var scope = host.Services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredKeyedService<Client<int, int, NoError>>("orders");
        Assert.Equal(7, await client.RequestAsync(7).Within());
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task BindConfiguration_AppSettingsJsonInContentRoot_BindsServerOptions()
    {
        var root = Directory.CreateTempSubdirectory("ump-hosting-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "appsettings.json"), """
                {
                  "Ump": {
                    "Orders": { "MaxConcurrency": 8, "ShutdownTimeout": "00:00:07", "SlowHandlerThreshold": null },
                    "Billing": { "Capacity": 16, "HandlerLifetime": "Transient" }
                  }
                }
                """);
            // The default sources, appsettings.json from the content root included (without a file watcher).
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                ContentRootPath = root.FullName,
                Args = ["--hostBuilder:reloadConfigOnChange=false"],
            });
            builder.Logging.ClearProviders();
            builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("orders").BindConfiguration("Ump:Orders");
            builder.Services.AddUmpServer<int, int, NoError, EchoHandler>().BindConfiguration("Ump:Billing");
            using var host = builder.Build();

            await host.StartAsync().Within();
            var monitor = host.Services.GetRequiredService<IOptionsMonitor<UmpServerOptions>>();
            var orders = monitor.Get("orders");
            var unnamed = monitor.Get(Options.DefaultName);

            Assert.Equal(8, orders.MaxConcurrency);
            Assert.Equal(TimeSpan.FromSeconds(7), orders.ShutdownTimeout);
            Assert.Null(orders.Capacity);
            Assert.Equal(16, unnamed.Capacity);
            Assert.Equal(ServiceLifetime.Transient, unnamed.HandlerLifetime);
            Assert.Equal(1, unnamed.MaxConcurrency);

            using var scope = host.Services.CreateScope();
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<Client<int, int, NoError>>().RequestAsync(1).Within());
            await host.StopAsync().Within();
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_MisspelledKeyInSection_ThrowsNamingTheKey()
    {
        var builder = TestHost.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Ump:Orders:MaxConcurency"] = "4" });
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("orders").BindConfiguration("Ump:Orders");
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.StartsWith("Ump server 'orders': the configuration section 'Ump:Orders' does not bind", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'MaxConcurency'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_MaxConcurrencyZero_ThrowsNamingServerAndSetting()
    {
        var builder = TestHost.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Ump:Orders:MaxConcurrency"] = "0" });
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>("orders").BindConfiguration("Ump:Orders");
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());

        Assert.Equal("orders", ex.OptionsName);
        Assert.Equal("Ump server 'orders': MaxConcurrency must be between 1 and 2147483647 (was 0).", ex.Message);
    }

    [Fact]
    public async Task StartAsync_InvalidTimeoutsAndCapacity_ThrowsNamingEachSetting()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, EchoHandler>().Configure(o =>
        {
            o.Capacity = 0;
            o.RequestTimeout = TimeSpan.Zero;
            o.ShutdownTimeout = TimeSpan.FromSeconds(-1);
            o.SlowHandlerThreshold = TimeSpan.Zero;
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());

        Assert.Equal(
            [
                "Ump server '(unnamed)': Capacity must be between 1 and 2147483647 (was 0).",
                "Ump server '(unnamed)': RequestTimeout must be greater than zero and at most 49.17:02:47.2940000, or null for no timeout (was 00:00:00).",
                "Ump server '(unnamed)': ShutdownTimeout must be zero or greater and at most 49.17:02:47.2940000 (was -00:00:01).",
                "Ump server '(unnamed)': SlowHandlerThreshold must be greater than zero, or null to turn the check off (was 00:00:00).",
            ],
            ex.Failures);
    }

    [Fact]
    public void OptionsMonitorGet_UndefinedEnumValues_ThrowsNamingEachSetting()
    {
        var services = new ServiceCollection();
        services.AddUmpServer<int, int, NoError, EchoHandler>("odd", o =>
        {
            o.HandlerLifetime = (ServiceLifetime)7;
            o.HandlerExceptionLogLevel = (LogLevel)42;
            o.AppErrorLogLevel = (LogLevel)(-1);
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get("odd"));

        Assert.Equal(
            [
                "Ump server 'odd': HandlerLifetime must be Singleton, Scoped or Transient (was 7).",
                "Ump server 'odd': HandlerExceptionLogLevel must be a LogLevel from Trace to None (was 42).",
                "Ump server 'odd': AppErrorLogLevel must be a LogLevel from Trace to None (was -1).",
            ],
            ex.Failures);
    }

    [Fact]
    public void AddUmpServer_SameServerTwice_RegistersItOnce()
    {
        var services = new ServiceCollection();

        services.AddUmpServer<int, int, NoError, EchoHandler>("orders");
        services.AddUmpServer<int, int, NoError, EchoHandler>("orders", o => o.MaxConcurrency = 2);
        services.AddUmpServer<int, int, NoError, EchoHandler>();
        services.AddUmpServer<int, int, NoError, EchoHandler>();

        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IHostedService)));
    }

    [Fact]
    public void AddUmpServer_SameNameOtherTypes_Throws()
    {
        var services = new ServiceCollection();
        services.AddUmpServer<int, int, NoError, EchoHandler>("orders");

        var ex = Assert.Throws<InvalidOperationException>(() => services.AddUmpServer<string, string, NoError, StringEchoHandler>("orders"));

        Assert.Contains("Ump server 'orders' is already registered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddUmpServer_EmptyName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddUmpServer<int, int, NoError, EchoHandler>(""));
    }
}
