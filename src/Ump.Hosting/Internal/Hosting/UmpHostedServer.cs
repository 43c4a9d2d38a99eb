using Microsoft.Extensions.Hosting;

namespace Ump.Hosting.Internal.Hosting;

/// <summary>
/// The thin host adapter of one server: translates the host's lifecycle into the dispatcher's verbs and owns no request.
/// The drain begins in <see cref="StoppingAsync"/>, which the host calls on every lifecycle service before any
/// <see cref="StopAsync"/>, so all servers of a host drain at the same time; the host's shutdown token cuts it short.
/// </summary>
internal sealed class UmpHostedServer<TReq, TReply, TErr>(UmpDispatcher<TReq, TReply, TErr> dispatcher) : BackgroundService, IHostedLifecycleService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Stryker disable once Boolean : equivalent; dispatcher.StartAsync returns a completed task (or throws), so this await never resumes on a captured context.
        await dispatcher.StartAsync(cancellationToken).ConfigureAwait(false);
        // Stryker disable once Boolean : equivalent; BackgroundService.StartAsync returns a completed task, so this await never resumes on a captured context.
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _ = dispatcher.StopAsync(cancellationToken);
        return Task.CompletedTask;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await dispatcher.StopAsync(cancellationToken).ConfigureAwait(false);

        // The drain is over (or was cut short) and the loop ended with it, even if a handler ignores its token: the base
        // class only cancels its stopping token (which ExecuteAsync does not watch) and, told not to wait, returns.
        // Stryker disable once Statement,Boolean : equivalent; the stop above completes with dispatcher.Completion (the ExecuteTask, which ignores its token), so the base class has nothing to cancel or wait for and returns a completed task.
        await base.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A fault of the loop ends this task, so the host's HostOptions.BackgroundServiceExceptionBehavior applies.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => dispatcher.Completion;
}
