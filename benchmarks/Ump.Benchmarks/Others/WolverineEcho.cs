using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace Ump.Benchmarks.Others;

/// <summary>
/// Wolverine: a started in-process host with one local handler, called with <c>IMessageBus.InvokeAsync&lt;int&gt;</c>.
/// InvokeAsync runs the handler inline on the caller's thread: there is no thread hop.
/// </summary>
public sealed class WolverineEcho
{
    private readonly IHost _host;
    private readonly IServiceScope _scope;
    private readonly IMessageBus _bus;

    /// <summary>Builds and starts the host (logging off, only the echo handler discovered).</summary>
    public WolverineEcho()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseWolverine(options =>
        {
            options.ApplicationAssembly = typeof(WolverineEcho).Assembly;
            options.UseRuntimeCompilation();
            options.Discovery.DisableConventionalDiscovery().IncludeType(typeof(WolverinePingHandler));
        });
        _host = builder.Build();
        _host.Start();
        _scope = _host.Services.CreateScope();
        _bus = _scope.ServiceProvider.GetRequiredService<IMessageBus>();
    }

    /// <summary>One invoke with a response.</summary>
    public Task<int> RequestAsync(int request) => _bus.InvokeAsync<int>(new WolverinePing(request));

    /// <summary>Stops and disposes the host (bounded).</summary>
    public void Stop()
    {
        _scope.Dispose();
        Shared.WaitStopped(_host.StopAsync(Shared.StopTimeout), "Wolverine host");
        _host.Dispose();
    }
}

/// <summary>Wolverine request message.</summary>
public sealed record WolverinePing(int Value);

/// <summary>Wolverine handler: returns the value, which InvokeAsync&lt;int&gt; hands back.</summary>
public static class WolverinePingHandler
{
    /// <summary>Handles one ping.</summary>
    public static int Handle(WolverinePing ping) => ping.Value;
}
