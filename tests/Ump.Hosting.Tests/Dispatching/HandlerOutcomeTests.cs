namespace Ump.Hosting.Tests.Dispatching;

/// <summary>What a caller gets and what the log says when a handler throws, replies and throws, or is canceled.</summary>
public sealed class HandlerOutcomeTests
{
    [Fact]
    public async Task HandleAsync_Replies_NoRecordOfAHandlerThatReturnedWithoutReplying()
    {
        await using var kit = new DispatcherKit<EchoHandler>("outcome-replies");
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(4, await client.RequestAsync(4).Within());
        await dispatcher.StopAsync().Within();

        Assert.DoesNotContain("HandlerReturnedWithoutReply", kit.LogNames());
    }

    [Fact]
    public async Task HandleAsync_RepliesThenThrows_CallerKeepsTheReplyAndTheFailureIsRecordedAfterTheOutcome()
    {
        await using var kit = new DispatcherKit<GatedHandler>("outcome-reply-then-throw");
        kit.Probe.Body = (request, reply, ct) =>
        {
            reply.Reply(request);
            throw new InvalidOperationException("after the reply");
        };
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        Assert.Equal(6, await client.RequestAsync(6).Within());
        await dispatcher.StopAsync().Within();

        var record = Assert.Single(kit.Logs(), r => r.Id.Name == "HandlerFailedAfterOutcome");
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, record.Level);
        Assert.IsType<InvalidOperationException>(record.Exception);
        Assert.DoesNotContain("HandlerFailed", kit.LogNames());
    }

    [Fact]
    public async Task HandleAsync_ThrowsSomethingElseAfterItsCallerCanceled_RecordedAsAFailureNotACancellation()
    {
        await using var kit = new DispatcherKit<GatedHandler>("outcome-throw-after-cancel");
        kit.Probe.EnteredTarget = 1;
        kit.Probe.Body = async (request, reply, ct) =>
        {
            await WaitForCancellation(ct);
            throw new InvalidOperationException("cleanup failed");
        };
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        using var cts = new CancellationTokenSource();
        await dispatcher.StartAsync();
        var call = client.RequestAsync(1, cts.Token).AsTask();
        await kit.Probe.EnteredEnough.Task.Within();

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        await dispatcher.StopAsync().Within();

        Assert.Single(kit.Logs(), r => r.Id.Name == "HandlerFailedAfterOutcome");
        Assert.DoesNotContain("HandlerCanceled", kit.LogNames());
    }

    [Fact]
    public async Task HandleAsync_ThrowsItsOwnCancellationWhileItsTokenHasNotFired_CallerGetsNoReplyAndItIsRecordedAsAFailure()
    {
        await using var kit = new DispatcherKit<GatedHandler>("outcome-own-cancellation");
        kit.Probe.Body = (request, reply, ct) => throw new OperationCanceledException("an inner operation timed out");
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        await dispatcher.StartAsync();

        var ex = await Assert.ThrowsAsync<UmpException>(() => client.RequestAsync(1).AsTask().Within());
        await dispatcher.StopAsync().Within();

        Assert.Equal(UmpErrorKind.NoReply, ex.Kind);
        Assert.IsType<OperationCanceledException>(ex.InnerException);
        Assert.Single(kit.Logs(), r => r.Id.Name == "HandlerFailed");
        Assert.DoesNotContain("HandlerCanceled", kit.LogNames());
    }

    [Fact]
    public async Task HandleAsync_CanceledByItsCaller_TheDispatcherUsesUpTheContext()
    {
        await using var kit = new DispatcherKit<GatedHandler>("outcome-canceled-context");
        var kept = Bounded.NewSignal<ReplyContext<int, NoError>>();
        kit.Probe.EnteredTarget = 1;
        kit.Probe.Body = async (request, reply, ct) =>
        {
            kept.SetResult(reply);
            await Task.Delay(Timeout.Infinite, ct).WaitAsync(Bounded.Timeout);
        };
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        using var cts = new CancellationTokenSource();
        await dispatcher.StartAsync();
        var call = client.RequestAsync(1, cts.Token).AsTask();
        var reply = await kept.Task.Within();

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        await dispatcher.StopAsync().Within();

        Assert.Single(kit.Logs(), r => r.Id.Name == "HandlerCanceled");
        // Used up, so a context nobody holds is not reported as dropped when it is collected.
        Assert.False(reply.IsPending);
        Assert.Throws<InvalidOperationException>(() => reply.Reply(1));
    }

    [Fact]
    public async Task HandleAsync_CancelableRequest_TheHandlersTokenIsReleasedWhenItsCallReturns()
    {
        await using var kit = new DispatcherKit<GatedHandler>("outcome-token-released");
        var kept = Bounded.NewSignal<CancellationToken>();
        kit.Probe.Body = (request, reply, ct) =>
        {
            _ = ct.WaitHandle;
            kept.SetResult(ct);
            reply.Reply(request);
            return ValueTask.CompletedTask;
        };
        await using var dispatcher = kit.Create();
        using var client = dispatcher.CreateClient();
        using var cts = new CancellationTokenSource();
        await dispatcher.StartAsync();

        Assert.Equal(1, await client.RequestAsync(1, cts.Token).Within());
        await dispatcher.StopAsync().Within();

        var token = await kept.Task.Within();
        Assert.Throws<ObjectDisposedException>(() => token.WaitHandle);
    }

    private static async Task WaitForCancellation(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct).WaitAsync(Bounded.Timeout);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
