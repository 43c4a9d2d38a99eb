using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting.Tests.Dispatching;

/// <summary>The start's check of the handler's constructor: only the constructor ActivatorUtilities will use, only what must be supplied.</summary>
public sealed class HandlerDependencyCheckTests
{
    [Fact]
    public async Task StartAsync_UnregisteredParameterWithADefault_StartsAndServes()
    {
        await using var kit = new DispatcherKit<KitOptionalDependencyHandler>("deps-optional");
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();

        await dispatcher.StartAsync();

        Assert.Equal(-1, await client.RequestAsync(1).Within());
        await dispatcher.StopAsync().Within();
    }

    [Fact]
    public async Task StartAsync_PreferredConstructorNeedsAnUnregisteredService_FailsNamingIt()
    {
        await using var kit = new DispatcherKit<KitPreferredConstructorHandler>("deps-preferred");
        await using var dispatcher = kit.Create();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => dispatcher.StartAsync());

        Assert.Contains("no service is registered for " + typeof(IKitUnregistered), ex.Message, StringComparison.Ordinal);
        Assert.Contains("'deps-preferred'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_PreferredConstructorSatisfied_StartsEvenThoughAnotherConstructorCouldNotBe()
    {
        await using var kit = new DispatcherKit<KitPreferredSatisfiedHandler>("deps-preferred-satisfied");
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();

        await dispatcher.StartAsync();

        Assert.Equal(2, await client.RequestAsync(1).Within());
        await dispatcher.StopAsync().Within();
    }

    [Fact]
    public async Task StartAsync_SeveralConstructorsNoneMarked_TheCheckDoesNotGuessOne()
    {
        await using var kit = new DispatcherKit<KitTwoConstructorsHandler>("deps-two-constructors");
        await using var dispatcher = kit.Create();

        var ex = await Record.ExceptionAsync(() => dispatcher.StartAsync());

        // Which constructor is used is ActivatorUtilities' to decide (and to report): the check names no missing service.
        Assert.DoesNotContain("no service is registered", ex?.Message ?? string.Empty, StringComparison.Ordinal);
    }
}

public interface IKitUnregistered;

public sealed class KitOptionalDependencyHandler(IKitUnregistered? missing = null) : IUmpHandler<int, int, NoError>
{
    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(missing is null ? -request : request);
        return ValueTask.CompletedTask;
    }
}

public sealed class KitPreferredConstructorHandler : IUmpHandler<int, int, NoError>
{
    public KitPreferredConstructorHandler()
    {
    }

    [ActivatorUtilitiesConstructor]
    public KitPreferredConstructorHandler(IKitUnregistered dependency) => _ = dependency;

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}

public sealed class KitPreferredSatisfiedHandler : IUmpHandler<int, int, NoError>
{
    private readonly int _factor = 1;

    public KitPreferredSatisfiedHandler(IKitUnregistered dependency) => _ = dependency;

    [ActivatorUtilitiesConstructor]
    public KitPreferredSatisfiedHandler(Probe probe)
    {
        _ = probe;
        _factor = 2;
    }

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request * _factor);
        return ValueTask.CompletedTask;
    }
}

public sealed class KitTwoConstructorsHandler : IUmpHandler<int, int, NoError>
{
    public KitTwoConstructorsHandler(IKitUnregistered dependency) => _ = dependency;

    public KitTwoConstructorsHandler()
    {
    }

    public ValueTask HandleAsync(int request, ReplyContext<int, NoError> reply, CancellationToken cancellationToken)
    {
        reply.Reply(request);
        return ValueTask.CompletedTask;
    }
}
