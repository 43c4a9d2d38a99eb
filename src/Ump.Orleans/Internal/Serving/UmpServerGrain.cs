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
            // Stryker disable once Boolean : equivalent; Orleans delivers no call before OnActivateAsync's task completes, so the assignment after it is seen by every call.
            await activation.StartAsync(cancellationToken).ConfigureAwait(true);
        }
        catch
        {
            // Stryker disable once Boolean : equivalent; only the rethrow runs after this await.
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
            // Stryker disable once Boolean : equivalent; the dispose after this await touches no grain state.
            await activation.StopAsync(cancellationToken).ConfigureAwait(true);
            // Stryker disable once Boolean : equivalent; nothing runs after this await.
            await activation.DisposeAsync().ConfigureAwait(true);
        }
    }
}
