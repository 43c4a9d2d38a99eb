using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Ump.Hosting.Tests;

/// <summary>Real generic hosts for the tests.</summary>
internal static class TestHost
{
    /// <summary>A host builder with no default sources, a fake log collector at Trace, and scope validation on.</summary>
    public static HostApplicationBuilder CreateBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFakeLogging();
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
        return builder;
    }

    /// <summary>The records Ump.Hosting wrote (the host's own records use event ids too).</summary>
    public static FakeLogRecord[] Logs(this IHost host) =>
        [.. host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Where(r => r.Category == "Ump.Hosting.UmpServer")];

    /// <summary>Awaits a request that must fail, and returns its exception.</summary>
    public static async Task<TException> FailsWith<TException>(this ValueTask<int> request)
        where TException : Exception
        => await Assert.ThrowsAsync<TException>(() => request.Within());
}

/// <summary>
/// Registered before the Ump servers, so the host calls its StoppingAsync after theirs (it goes in reverse order):
/// by the time <see cref="DrainsBegan"/> completes, every server has begun its drain.
/// </summary>
internal sealed class DrainProbe : IHostedLifecycleService
{
    private readonly TaskCompletionSource _drainsBegan = Bounded.NewSignal();

    public Task DrainsBegan => _drainsBegan.Task;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _drainsBegan.TrySetResult();
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static DrainProbe AddTo(IServiceCollection services)
    {
        var probe = new DrainProbe();
        services.AddSingleton<IHostedService>(probe);
        return probe;
    }
}
