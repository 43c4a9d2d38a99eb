using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting;

namespace Ump.Testing.Tests;

/// <summary>Every public entry point names the argument it refuses, before it looks at anything else.</summary>
public sealed class ArgumentValidationTests
{
    private static readonly LambdaHandler Echo = new((n, reply, _) =>
    {
        reply.Reply($"handler {n}");
        return default;
    });

    [Fact]
    public void ReplaceUmpHandler_NullServices_NamesTheServices()
    {
        IServiceCollection services = null!;

        Assert.Throws<ArgumentNullException>("services", () => services.ReplaceUmpHandler<int, string, TestError>((IUmpHandler<int, string, TestError>)null!));
        Assert.Throws<ArgumentNullException>("services", () => services.ReplaceUmpHandler<int, string, TestError>("orders", (IUmpHandler<int, string, TestError>)null!));
        Assert.Throws<ArgumentNullException>("services", () => services.ReplaceUmpHandler<int, string, TestError>((Func<int, string>)null!));
        Assert.Throws<ArgumentNullException>("services", () => services.ReplaceUmpHandler<int, string, TestError>("orders", (Func<int, string>)null!));
        Assert.Throws<ArgumentNullException>("services", () => services.RecordUmpRequests<int, string, TestError>());
        Assert.Throws<ArgumentNullException>("services", () => services.RecordUmpRequests<int, string, TestError>("orders"));
    }

    [Fact]
    public void ReplaceUmpHandler_NullReplacement_NamesIt_BeforeLookingForTheServer()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentNullException>("handler", () => services.ReplaceUmpHandler<int, string, TestError>((IUmpHandler<int, string, TestError>)null!));
        Assert.Throws<ArgumentNullException>("handler", () => services.ReplaceUmpHandler<int, string, TestError>("orders", (IUmpHandler<int, string, TestError>)null!));
        Assert.Throws<ArgumentNullException>("reply", () => services.ReplaceUmpHandler<int, string, TestError>((Func<int, string>)null!));
        Assert.Throws<ArgumentNullException>("reply", () => services.ReplaceUmpHandler<int, string, TestError>("orders", (Func<int, string>)null!));
    }

    [Fact]
    public void UmpHandlerTester_NullHandlerOrFilter_NamesIt()
    {
        Assert.Throws<ArgumentNullException>("handler", () => UmpHandlerTester.Start<int, string, TestError>(null!, 1));
        Assert.Throws<ArgumentNullException>("filter", () => UmpHandlerTester.Start(null!, Echo, 1));
        Assert.Throws<ArgumentNullException>("handler", () => UmpHandlerTester.Start(new PassFilter(), null!, 1));
        Assert.Throws<ArgumentNullException>("services", () => UmpHandlerTester.Start<int, string, TestError, ScopedHandler>(null!, 1));
    }

    [Fact]
    public void FakeUmpServer_NullAsyncFunction_NamesIt()
    {
        Assert.Throws<ArgumentNullException>("replyAsync", () => new FakeUmpServer<int, string, TestError>((Func<int, CancellationToken, ValueTask<string>>)null!));
        Assert.Throws<ArgumentNullException>("reply", () => new FakeUmpServer<int, string, TestError>((Func<int, string>)null!));
        Assert.Throws<ArgumentNullException>("handler", () => new FakeUmpServer<int, string, TestError>((IUmpHandler<int, string, TestError>)null!));
    }

    private sealed class PassFilter : IUmpFilter<int, string, TestError>
    {
        public ValueTask InvokeAsync(UmpHandlerContext<int, string, TestError> context, UmpHandlerDelegate<int, string, TestError> next) => next(context);
    }
}
