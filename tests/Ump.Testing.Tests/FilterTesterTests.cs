using Ump.Hosting;

namespace Ump.Testing.Tests;

public sealed class FilterTesterTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    private static readonly LambdaHandler Echo = new((n, reply, _) =>
    {
        reply.Reply($"handler {n}");
        return default;
    });

    [Fact]
    public async Task RunAsync_FilterCallsOn_TheHandlersOutcome()
    {
        var outcome = await UmpHandlerTester.RunAsync(new RefuseNegativeFilter(), Echo, 5, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Replied, outcome.Kind);
        Assert.Equal("handler 5", outcome.Reply);
    }

    [Fact]
    public async Task RunAsync_FilterShortCircuits_ItsOutcome_AndTheHandlerNeverRuns()
    {
        var reached = false;
        var handler = new LambdaHandler((_, _, _) =>
        {
            reached = true;
            return default;
        });

        var outcome = await UmpHandlerTester.RunAsync(new RefuseNegativeFilter(), handler, -1, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(TestError.Refused, outcome.Error);
        Assert.False(reached);
    }

    [Fact]
    public async Task RunAsync_FilterThrows_Threw()
    {
        var outcome = await UmpHandlerTester.RunAsync(new RefuseNegativeFilter(), Echo, 13, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Threw, outcome.Kind);
        Assert.Equal("unlucky 13", outcome.Exception.Message);
    }

    [Fact]
    public async Task RunAsync_FilterSeesTheHandlersException_AndTheContext()
    {
        var filter = new ObservingFilter();
        var handler = new LambdaHandler((_, _, _) => throw new InvalidOperationException("handler broke"));

        var outcome = await UmpHandlerTester.RunAsync(filter, handler, 2, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Threw, outcome.Kind);
        Assert.Equal("handler broke", filter.Seen?.Message);
        Assert.Equal(string.Empty, filter.ServerName);
        Assert.Null(filter.AService);
    }

    [Fact]
    public async Task Start_Cancel_FiresTheFiltersToken()
    {
        var entered = Bounded.NewSignal();
        var handler = new LambdaHandler(async (_, _, token) =>
        {
            entered.TrySetResult();
            await Task.Delay(Bounded.Timeout, token);
        });
        var run = UmpHandlerTester.Start(new ObservingFilter(), handler, 1);
        await entered.Task.Within();

        run.Cancel();
        var outcome = await run.WaitForOutcomeAsync(Bounded.Timeout, TestToken);

        Assert.Equal(UmpHandlerOutcomeKind.Canceled, outcome.Kind);
    }

    private sealed class RefuseNegativeFilter : IUmpFilter<int, string, TestError>
    {
        public ValueTask InvokeAsync(UmpHandlerContext<int, string, TestError> context, UmpHandlerDelegate<int, string, TestError> next)
        {
            if (context.Request == 13)
            {
                throw new InvalidOperationException("unlucky 13");
            }

            if (context.Request < 0)
            {
                context.Reply.Fail(TestError.Refused);
                return default;
            }

            return next(context);
        }
    }

    private sealed class ObservingFilter : IUmpFilter<int, string, TestError>
    {
        public Exception? Seen { get; private set; }

        public string? ServerName { get; private set; }

        public object? AService { get; private set; }

        public async ValueTask InvokeAsync(UmpHandlerContext<int, string, TestError> context, UmpHandlerDelegate<int, string, TestError> next)
        {
            ServerName = context.ServerName;
            AService = context.Services.GetService(typeof(TimeProvider));
            try
            {
                await next(context);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Seen = ex;
                throw;
            }
        }
    }
}
