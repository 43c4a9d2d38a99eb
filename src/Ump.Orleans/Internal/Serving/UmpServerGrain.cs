using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Ump.Orleans.Internal.Wire;

namespace Ump.Orleans.Internal.Serving;

/// <summary>
/// One partition of one server: a dispatcher per activation, started when the grain activates and drained when it
/// deactivates (a silo stop included). Reentrant, so requests reach the dispatcher's queue at once and its
/// <see cref="Hosting.UmpServerOptions.MaxConcurrency"/> decides what runs; handlers run on the thread pool, never on the grain's scheduler.
/// </summary>
[Reentrant]
internal sealed class UmpServerGrain(IServiceProvider services) : Grain, IUmpServerGrain
{
    private UmpGrainActivation? _activation;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var name = UmpGrainKeys.ServerName(this.GetPrimaryKeyString());
        var server = services.GetKeyedService<UmpGrainServer>(name) ?? throw new InvalidOperationException(
            $"Ump server '{name}' is not served by this silo: call services.AddUmpOrleansServer<...>(\"{name}\") on every silo of the cluster.");
        var activation = server.Activate();
        try
        {
            await activation.StartAsync(cancellationToken).ConfigureAwait(true);
        }
        catch
        {
            await activation.DisposeAsync().ConfigureAwait(true);
            throw;
        }

        _activation = activation;
    }

    public Task<UmpWireReply> CallAsync(UmpWireRequest request, CancellationToken cancellationToken) => _activation!.CallAsync(request, cancellationToken);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_activation is { } activation)
        {
            _activation = null;
            await activation.StopAsync(cancellationToken).ConfigureAwait(true);
            await activation.DisposeAsync().ConfigureAwait(true);
        }
    }
}
