using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting;

namespace Ump.Testing.Tests;

/// <summary>A handler created from services lives in a scope of its own, disposed as the hosted server disposes it.</summary>
public sealed class ScopedHandlerLifetimeTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_FromServices_ConstructorFails_TheScopeIsDisposed()
    {
        var created = new List<ScopedCounter>();
        await using var services = new ServiceCollection()
            .AddScoped(_ =>
            {
                var counter = new ScopedCounter();
                created.Add(counter);
                return counter;
            })
            .BuildServiceProvider();

        Assert.Throws<InvalidOperationException>(() => UmpHandlerTester.Start<int, string, TestError, CounterThenMissingServiceHandler>(services, 1));

        Assert.True(Assert.Single(created).Disposed);
    }

    [Fact]
    public async Task RunAsync_FromServices_AsyncDisposableHandler_IsDisposedAsynchronously()
    {
        var log = new DisposalLog();
        await using var services = new ServiceCollection().AddSingleton(log).BuildServiceProvider();

        var outcome = await UmpHandlerTester.RunAsync<int, string, TestError, AsyncDisposableHandler>(services, 1, TestToken);

        Assert.Equal("async 1", outcome.Reply);
        Assert.Equal(1, log.AsyncDisposals);
    }

    internal sealed class DisposalLog
    {
        private int _asyncDisposals;

        public int AsyncDisposals => Volatile.Read(ref _asyncDisposals);

        public void AsyncDisposed() => Interlocked.Increment(ref _asyncDisposals);
    }

    internal sealed class AsyncDisposableHandler(DisposalLog log) : IUmpHandler<int, string, TestError>, IAsyncDisposable
    {
        public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
        {
            reply.Reply($"async {request}");
            return default;
        }

        public ValueTask DisposeAsync()
        {
            log.AsyncDisposed();
            return default;
        }
    }

    internal sealed class CounterThenMissingServiceHandler(ScopedCounter counter, IFormatProvider missing) : IUmpHandler<int, string, TestError>
    {
        public ValueTask HandleAsync(int request, ReplyContext<string, TestError> reply, CancellationToken cancellationToken)
        {
            reply.Reply($"{counter.Id} {missing}");
            return default;
        }
    }
}
