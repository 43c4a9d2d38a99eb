using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ump.Hosting.Internal.Dispatching;
using Ump.Hosting.Internal.Telemetry;

namespace Ump.Hosting.Internal.Hosting;

/// <summary>
/// Creates the dispatchers of one registered server, and reports them together to its health check: Faulted if one
/// faulted, Running if one runs or none exists yet (a dispatcher is made on demand), Stopping while they drain.
/// </summary>
internal sealed class UmpDispatcherFactory<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
    IServiceProvider services, string name) : IUmpDispatcherFactory<TReq, TReply, TErr>, IUmpServerStatus
    where THandler : class, IUmpHandler<TReq, TReply, TErr>
{
    private readonly Lock _lock = new();
    private readonly List<UmpDispatcher<TReq, TReply, TErr>> _live = [];
    private readonly UmpFilterRegistration<TReq, TReply, TErr>[] _filters = [.. services.GetKeyedServices<UmpFilterRegistration<TReq, TReply, TErr>>(name)];

    public string DisplayName { get; } = UmpServerOptionsConstants.DisplayName(name);

    public string State => Aggregate().HealthName();

    public bool IsServing => Aggregate() == DispatcherState.Running;

    public int QueueLength => Sum(static d => ((IUmpServerStatus)d).QueueLength);

    public int ActiveHandlers => Sum(static d => ((IUmpServerStatus)d).ActiveHandlers);

    public int? Capacity => services.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get(name).Capacity;

    public UmpDispatcher<TReq, TReply, TErr> CreateDispatcher()
    {
        var options = services.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get(name);
        var activator = new HandlerActivator<TReq, TReply, TErr, THandler>(services, options.HandlerLifetime, name, _filters);
        var dispatcher = new UmpDispatcher<TReq, TReply, TErr>(name, options, services, services.GetRequiredService<UmpMetrics>(), activator, Forget);
        lock (_lock)
        {
            _live.Add(dispatcher);
        }

        return dispatcher;
    }

    private void Forget(UmpDispatcher<TReq, TReply, TErr> dispatcher)
    {
        lock (_lock)
        {
            _live.Remove(dispatcher);
        }
    }

    private DispatcherState Aggregate()
    {
        lock (_lock)
        {
            if (_live.Count == 0)
            {
                return DispatcherState.Running;
            }

            var states = _live.Select(static d => d.State).ToArray();
            return states.Contains(DispatcherState.Faulted) ? DispatcherState.Faulted
                : states.Contains(DispatcherState.Running) ? DispatcherState.Running
                : states.Contains(DispatcherState.NotStarted) ? DispatcherState.NotStarted
                : states.Contains(DispatcherState.Draining) ? DispatcherState.Draining
                : DispatcherState.Stopped;
        }
    }

    private int Sum(Func<UmpDispatcher<TReq, TReply, TErr>, int> value)
    {
        lock (_lock)
        {
            return _live.Sum(value);
        }
    }
}
