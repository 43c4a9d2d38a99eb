using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace Ump.Benchmarks.Peers;

/// <summary>
/// Wolverine: a started in-process host with one local handler, called with <c>IMessageBus.InvokeAsync&lt;WolverinePong&gt;</c>.
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
            options.Discovery.IncludeAssembly(typeof(WolverineEcho).Assembly);
        });
        _host = builder.Build();
        _host.Start();
        _scope = _host.Services.CreateScope();
        _bus = _scope.ServiceProvider.GetRequiredService<IMessageBus>();
    }

    /// <summary>One invoke with a response.</summary>
    public async Task<int> RequestAsync(int request)
    {
        var response = await _bus.InvokeAsync<WolverinePong>(new WolverinePing(request));
        return response.Value;
    }

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

/// <summary>Wolverine response message (Wolverine does not route a handler that returns a primitive).</summary>
public sealed record WolverinePong(int Value);

/// <summary>Wolverine handler: returns the response, which InvokeAsync&lt;WolverinePong&gt; hands back.</summary>
public static class WolverinePingHandler
{
    /// <summary>Handles one ping.</summary>
    public static WolverinePong Handle(WolverinePing ping) => new(ping.Value);
}
