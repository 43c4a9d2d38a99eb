using MassTransit;
using MassTransit.Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Ump.Benchmarks.Peers;

/// <summary>MassTransit 8 mediator: a consumer that responds, called through a request client's <c>GetResponse</c>.</summary>
public sealed class MassTransitEcho
{
    private readonly ServiceProvider _services;
    private readonly IRequestClient<MassTransitPing> _client;

    /// <summary>Registers the mediator with the consumer and creates the request client.</summary>
    public MassTransitEcho()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMediator(configure => configure.AddConsumer<MassTransitPingConsumer>());
        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<IMediator>().CreateRequestClient<MassTransitPing>();
    }

    /// <summary>One request/response.</summary>
    public async Task<int> RequestAsync(int request)
    {
        var response = await _client.GetResponse<MassTransitPong>(new MassTransitPing(request));
        return response.Message.Value;
    }

    /// <summary>Disposes the container, which stops the mediator (bounded).</summary>
    public void Stop() => Shared.WaitStopped(_services.DisposeAsync().AsTask(), "MassTransit mediator");
}

/// <summary>MassTransit request message.</summary>
public sealed record MassTransitPing(int Value);

/// <summary>MassTransit response message.</summary>
public sealed record MassTransitPong(int Value);

/// <summary>MassTransit consumer that responds with the same value.</summary>
public sealed class MassTransitPingConsumer : IConsumer<MassTransitPing>
{
    /// <summary>Responds to one ping.</summary>
    public Task Consume(ConsumeContext<MassTransitPing> context) => context.RespondAsync(new MassTransitPong(context.Message.Value));
}
