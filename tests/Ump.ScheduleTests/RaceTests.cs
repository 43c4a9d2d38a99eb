using Microsoft.Extensions.Time.Testing;

[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Ump.ScheduleTests;

/// <summary>
/// The core's racing operations, each explored over many seeded interleavings. A failure message names the seed
/// and the trace of schedule points, and <c>UMP_SCHEDULE_SEED</c> replays one seed alone.
/// </summary>
public sealed class RaceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    public static IEnumerable<object[]> Seeds()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("UMP_SCHEDULE_SEED"), out var one))
        {
            return [new object[] { new[] { one } }];
        }

        var count = int.TryParse(Environment.GetEnvironmentVariable("UMP_SCHEDULE_RUNS"), out var n) ? n : 300;
        return [new object[] { Enumerable.Range(0, count).ToArray() }];
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task CancelBeforeOrAfterPickup_RacingTheServer_OutcomesAgree(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var cts = new CancellationTokenSource();
        var call = client.RequestAsync(1, cts.Token).AsTask();
        var taken = false;
        var replied = false;
        ReplyContext<int, NoError> context = default;

        scheduler.Run(
            ("cancel", cts.Cancel),
            ("server", () =>
            {
                if (server.TryWait(out _, out context))
                {
                    taken = true;
                    replied = context.Reply(10);
                }
            }));

        if (replied)
        {
            Assert.Equal(10, await call.WaitAsync(s_timeout));
        }
        else
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_timeout));
            Assert.False(server.TryWait(out _, out _), "A withdrawn request reached the server.");
            if (taken)
            {
                Assert.True(context.RequestAborted.IsCancellationRequested || !context.IsPending);
            }
        }

        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task SendRacingServerDisposal_WithAWaitingServer_ExactlyOneOutcome(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var waiting = server.WaitAsync().AsTask();
        Task<int>? call = null;

        scheduler.Run(
            ("send", () => call = client.RequestAsync(1).AsTask()),
            ("dispose", server.Dispose));

        var served = await Task.WhenAny(waiting, Task.Delay(s_timeout)) == waiting && waiting.IsCompletedSuccessfully;
        if (served)
        {
            var (request, reply) = waiting.Result;
            Assert.True(reply.Reply(request + 1), "A context outlives its server.");
            Assert.Equal(2, await call!.WaitAsync(s_timeout));
        }
        else
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(s_timeout));
            var ex = await Assert.ThrowsAsync<UmpException>(() => call!.WaitAsync(s_timeout));
            Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
        }

        client.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task LastClientDisposal_RacingServerWaits_ServerGetsQueuedThenClientsDisappeared(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var call = client.RequestAsync(1).AsTask();
        Task<(int, ReplyContext<int, NoError>)>? first = null;
        Task<(int, ReplyContext<int, NoError>)>? second = null;

        scheduler.Run(
            ("dispose", client.Dispose),
            ("server", () =>
            {
                first = server.WaitAsync().AsTask();
                second = server.WaitAsync().AsTask();
            }));

        var (request, reply) = await first!.WaitAsync(s_timeout);
        Assert.Equal(1, request);
        reply.Reply(5);
        Assert.Equal(5, await call.WaitAsync(s_timeout));
        var ex = await Assert.ThrowsAsync<UmpException>(() => second!.WaitAsync(s_timeout));
        Assert.Equal(UmpErrorKind.ClientsDisappeared, ex.Kind);
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task CloneRacingDisposal_ClientCountStaysRight(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var weak = client.Weak();
        Client<int, int, NoError>? upgraded = null;
        Task<(int, ReplyContext<int, NoError>)>? waiting = null;

        scheduler.Run(
            ("dispose", client.Dispose),
            ("upgrade", () => upgraded = weak.Upgrade()),
            ("server", () => waiting = server.WaitAsync().AsTask()));

        if (upgraded is not null)
        {
            Assert.False(waiting!.IsCompleted, "The server saw ClientsDisappeared while a strong client lived.");
            var call = upgraded.RequestAsync(3).AsTask();
            var (request, reply) = await waiting.WaitAsync(s_timeout);
            reply.Reply(request);
            Assert.Equal(3, await call.WaitAsync(s_timeout));
            upgraded.Dispose();
            Assert.Equal(UmpErrorKind.ClientsDisappeared, (await Assert.ThrowsAsync<UmpException>(() => server.WaitAsync().AsTask().WaitAsync(s_timeout))).Kind);
        }
        else
        {
            Assert.Equal(UmpErrorKind.ClientsDisappeared, (await Assert.ThrowsAsync<UmpException>(() => waiting!.WaitAsync(s_timeout))).Kind);
        }

        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task TimeoutRacingReply_OutcomesAgree(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var time = new FakeTimeProvider();
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { RequestTimeout = TimeSpan.FromSeconds(1), TimeProvider = time });
        var call = client.RequestAsync(1).AsTask();
        Assert.True(server.TryWait(out _, out var context));
        var replied = false;

        scheduler.Run(
            ("clock", () => time.Advance(TimeSpan.FromSeconds(1))),
            ("reply", () => replied = context.Reply(7)));

        if (replied)
        {
            Assert.Equal(7, await call.WaitAsync(s_timeout));
            Assert.False(context.RequestAborted.IsCancellationRequested);
        }
        else
        {
            await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(s_timeout));
        }

        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task RequestAbortedReadRacingCancel_TokenAlwaysFires(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var cts = new CancellationTokenSource();
        var call = client.RequestAsync(1, cts.Token).AsTask();
        Assert.True(server.TryWait(out _, out var context));
        var aborted = CancellationToken.None;

        scheduler.Run(
            ("cancel", cts.Cancel),
            ("read", () => aborted = context.RequestAborted));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_timeout));
        var fired = Bounded.NewSignal();
        using (aborted.Register(() => fired.TrySetResult()))
        {
            await fired.Task.WaitAsync(s_timeout);
        }

        Assert.False(context.Reply(1));
        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task WaitReplyDisposalRacingReply_OutcomesAgree(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var pending = client.Send(1);
        Assert.True(server.TryWait(out _, out var context));
        var aborted = context.RequestAborted;
        var replied = false;

        scheduler.Run(
            ("dispose", pending.Dispose),
            ("reply", () => replied = context.Reply(2)));

        Assert.Throws<ObjectDisposedException>(() => pending.Wait());
        if (!replied)
        {
            var fired = Bounded.NewSignal();
            using (aborted.Register(() => fired.TrySetResult()))
            {
                await fired.Task.WaitAsync(s_timeout);
            }
        }
        else
        {
            Assert.False(aborted.IsCancellationRequested);
        }

        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task BoundedQueue_WithdrawalRacingTakeAndSend_NothingLostNothingSeenTwice(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        using var cts = new CancellationTokenSource();
        var first = client.RequestAsync(1).AsTask();
        var parked = client.RequestAsync(2, cts.Token).AsTask();
        Task<int>? third = null;
        var seen = new List<(int Request, ReplyContext<int, NoError> Reply)>();

        scheduler.Run(
            ("cancel", cts.Cancel),
            ("send", () => third = client.RequestAsync(3).AsTask()),
            ("server", () =>
            {
                for (var i = 0; i < 2; i++)
                {
                    if (server.TryWait(out var request, out var reply))
                    {
                        seen.Add((request, reply));
                    }
                }
            }));

        while (server.TryWait(out var request, out var reply))
        {
            seen.Add((request, reply));
        }

        Assert.Equal(seen.Select(s => s.Request).Distinct().Count(), seen.Count);
        Assert.Equal(seen.Select(s => s.Request).Order(), seen.Select(s => s.Request));
        foreach (var (request, reply) in seen)
        {
            reply.Reply(request * 10);
        }

        Assert.Equal(10, await first.WaitAsync(s_timeout));
        Assert.Equal(30, await third!.WaitAsync(s_timeout));
        await AssertRepliedOnlyIfServed(parked, 20, served: seen.Exists(s => s.Request == 2));

        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task CancelRacingLockFreeTake_TwoQueued_ServerSkipsTheWithdrawnAndCountAgrees(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var cts = new CancellationTokenSource();
        var first = client.RequestAsync(1, cts.Token).AsTask();
        var second = client.RequestAsync(2).AsTask();
        Assert.Equal(2, server.Count);
        var seen = new List<(int Request, ReplyContext<int, NoError> Reply)>();

        scheduler.Run(
            ("cancel", cts.Cancel),
            ("server", () =>
            {
                if (server.TryWait(out var request, out var reply))
                {
                    seen.Add((request, reply));
                }
            }));

        while (server.TryWait(out var request, out var reply))
        {
            seen.Add((request, reply));
        }

        Assert.Equal(0, server.Count);
        var requests = seen.Select(s => s.Request).ToArray();
        Assert.True(requests.SequenceEqual([1, 2]) || requests.SequenceEqual([2]), $"Served {string.Join(", ", requests)}.");
        foreach (var (request, reply) in seen)
        {
            reply.Reply(request * 10);
        }

        Assert.Equal(20, await second.WaitAsync(s_timeout));
        await AssertRepliedOnlyIfServed(first, 10, served: requests.Contains(1));

        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task ServerDisposalRacingLockFreeTake_QueuedRequest_ExactlyOneOutcome(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var call = client.RequestAsync(1).AsTask();
        var taken = false;
        Exception? waitError = null;
        ReplyContext<int, NoError> context = default;

        scheduler.Run(
            ("take", () =>
            {
                try
                {
                    taken = server.TryWait(out _, out context);
                }
                catch (ObjectDisposedException ex)
                {
                    waitError = ex;
                }
            }),
            ("dispose", server.Dispose));

        Assert.True(taken || waitError is not null, "A take that lost to disposal must say the server is disposed.");
        Assert.Equal(0, server.Count);
        if (taken)
        {
            Assert.True(context.Reply(7), "A context taken before disposal must still answer.");
            Assert.Equal(7, await call.WaitAsync(s_timeout));
        }
        else
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.WaitAsync(s_timeout))).Kind);
        }

        client.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task ServerDisposalRacingReply_ReplyStillArrives(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var call = client.RequestAsync(1).AsTask();
        var queued = client.RequestAsync(2).AsTask();
        Assert.True(server.TryWait(out _, out var context));

        scheduler.Run(
            ("dispose", server.Dispose),
            ("reply", () => Assert.True(context.Reply(11))));

        Assert.Equal(11, await call.WaitAsync(s_timeout));
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => queued.WaitAsync(s_timeout))).Kind);
        client.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task CompleteRacingSend_WithAWaitingServer_ExactlyOneOutcome(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var waiting = server.WaitAsync().AsTask();
        Task<int>? call = null;

        scheduler.Run(
            ("send", () => call = client.RequestAsync(1).AsTask()),
            ("complete", server.Complete));

        var served = await Task.WhenAny(waiting, Task.Delay(s_timeout)) == waiting && waiting.IsCompletedSuccessfully;
        if (served)
        {
            var (request, reply) = waiting.Result;
            Assert.True(reply.Reply(request + 1));
            Assert.Equal(2, await call!.WaitAsync(s_timeout));
        }
        else
        {
            Assert.Equal(UmpErrorKind.ClientsDisappeared, (await Assert.ThrowsAsync<UmpException>(() => waiting.WaitAsync(s_timeout))).Kind);
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call!.WaitAsync(s_timeout))).Kind);
        }

        Assert.Equal(UmpErrorKind.ClientsDisappeared, Assert.Throws<UmpException>(() => server.TryWait(out _, out _)).Kind);
        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task CompleteRacingSendAndTake_NoWaitingServer_QueuedBeforeIsDelivered(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var first = client.RequestAsync(1).AsTask();
        Task<int>? second = null;
        var seen = new List<(int Request, ReplyContext<int, NoError> Reply)>();

        scheduler.Run(
            ("send", () => second = client.RequestAsync(2).AsTask()),
            ("complete", server.Complete),
            ("server", () =>
            {
                if (server.TryWait(out var request, out var reply))
                {
                    seen.Add((request, reply));
                }
            }));

        var secondRefused = second!.IsFaulted;
        while (seen.Count < (secondRefused ? 1 : 2) && server.TryWait(out var request, out var reply))
        {
            seen.Add((request, reply));
        }

        Assert.Equal(UmpErrorKind.ClientsDisappeared, Assert.Throws<UmpException>(() => server.TryWait(out _, out _)).Kind);
        var requests = seen.Select(s => s.Request).ToArray();
        Assert.True(requests.SequenceEqual(secondRefused ? [1] : [1, 2]), $"Served {string.Join(", ", requests)}.");
        foreach (var (request, reply) in seen)
        {
            reply.Reply(request * 10);
        }

        Assert.Equal(10, await first.WaitAsync(s_timeout));
        if (secondRefused)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => second.WaitAsync(s_timeout))).Kind);
        }
        else
        {
            Assert.Equal(20, await second.WaitAsync(s_timeout));
        }

        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task CompleteRacingWithdrawalAndTake_OutcomesAgree(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var cts = new CancellationTokenSource();
        var call = client.RequestAsync(1, cts.Token).AsTask();
        var seen = new List<(int Request, ReplyContext<int, NoError> Reply)>();

        scheduler.Run(
            ("cancel", cts.Cancel),
            ("complete", server.Complete),
            ("server", () =>
            {
                try
                {
                    if (server.TryWait(out var request, out var reply))
                    {
                        seen.Add((request, reply));
                    }
                }
                catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
                {
                    // Completed, and the only request was withdrawn: nothing more will arrive.
                }
            }));

        Assert.Equal(UmpErrorKind.ClientsDisappeared, Assert.Throws<UmpException>(() => server.TryWait(out _, out _)).Kind);
        Assert.Equal(0, server.Count);
        foreach (var (request, reply) in seen)
        {
            reply.Reply(request * 10);
        }

        await AssertRepliedOnlyIfServed(call, 10, served: seen.Count == 1);
        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task CompleteRacingLastClientDisposal_WaitingServer_FailsOnceWithClientsDisappeared(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        var waiting = server.WaitAsync().AsTask();

        scheduler.Run(
            ("dispose", client.Dispose),
            ("complete", server.Complete));

        Assert.Equal(UmpErrorKind.ClientsDisappeared, (await Assert.ThrowsAsync<UmpException>(() => waiting.WaitAsync(s_timeout))).Kind);
        Assert.Equal(UmpErrorKind.ClientsDisappeared, Assert.Throws<UmpException>(() => server.TryWait(out _, out _)).Kind);
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task CompleteRacingParkedSenderAdmission_BoundedQueue_EveryAcceptedRequestDeliveredInOrder(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>(new() { Capacity = 1 });
        var first = client.RequestAsync(1).AsTask();
        var parked = client.SendAsync(2).AsTask();
        Task<int>? late = null;
        var seen = new List<(int Request, ReplyContext<int, NoError> Reply)>();

        scheduler.Run(
            ("complete", server.Complete),
            ("send", () => late = client.RequestAsync(3).AsTask()),
            ("server", () =>
            {
                if (server.TryWait(out var request, out var reply))
                {
                    seen.Add((request, reply));
                }
            }));

        var lateRefused = late!.IsFaulted;
        try
        {
            while (server.TryWait(out var request, out var reply))
            {
                seen.Add((request, reply));
            }

            Assert.Fail("A completed server that is empty must say no more requests will arrive.");
        }
        catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
        {
        }

        var requests = seen.Select(s => s.Request).ToArray();
        Assert.True(requests.SequenceEqual(lateRefused ? [1, 2] : [1, 2, 3]), $"Served {string.Join(", ", requests)}.");
        foreach (var (request, reply) in seen)
        {
            reply.Reply(request * 10);
        }

        Assert.Equal(10, await first.WaitAsync(s_timeout));
        using (var waitReply = await parked.WaitAsync(s_timeout))
        {
            Assert.Equal(20, await waitReply.WaitAsync().AsTask().WaitAsync(s_timeout));
        }

        if (lateRefused)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => late.WaitAsync(s_timeout))).Kind);
        }
        else
        {
            Assert.Equal(30, await late.WaitAsync(s_timeout));
        }

        client.Dispose();
        server.Dispose();
    });

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task AbortRacingReplyAndCancel_ExactlyOneOutcome_HandlerNeverThrows(int[] seeds) => Explore(seeds, async scheduler =>
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var cts = new CancellationTokenSource();
        var call = client.RequestAsync(1, cts.Token).AsTask();
        Assert.True(server.TryWait(out _, out var context));
        var aborted = false;
        var replied = false;

        scheduler.Run(
            ("abort", () => aborted = context.Abort()),
            ("cancel", cts.Cancel),
            ("reply", () => replied = context.Reply(7)));

        Assert.False(aborted && replied, "Both the abort and the reply reached the caller.");
        if (replied)
        {
            Assert.Equal(7, await call.WaitAsync(s_timeout));
        }
        else if (aborted)
        {
            Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => call.WaitAsync(s_timeout))).Kind);
        }
        else
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_timeout));
        }

        client.Dispose();
        server.Dispose();
    });

    /// <summary>
    /// A caller that raced its own give-up was either withdrawn or taken and then aborted, and then its reply never
    /// reaches it; a caller that got the reply must have been served.
    /// </summary>
    private static async Task AssertRepliedOnlyIfServed(Task<int> call, int reply, bool served)
    {
        try
        {
            Assert.Equal(reply, await call.WaitAsync(s_timeout));
            Assert.True(served, "The caller got a reply to a request the server never received.");
        }
        catch (OperationCanceledException)
        {
            // Withdrawn, or taken and then given up.
        }
    }

    private async Task Explore(int[] seeds, Func<Scheduler, Task> scenario)
    {
        var interleavings = new HashSet<string>();
        foreach (var seed in seeds)
        {
            var scheduler = new Scheduler(seed);
            try
            {
                await scenario(scheduler);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Seed {seed} failed (replay with UMP_SCHEDULE_SEED={seed}). Trace: {string.Join(" > ", scheduler.Trace)}", ex);
            }

            interleavings.Add(string.Join(" > ", scheduler.Trace));
        }

        output.WriteLine($"{seeds.Length} runs, {interleavings.Count} distinct interleavings");
        if (seeds.Length >= 50)
        {
            // Proves the points are reached and the runs really differ: a harness that explores nothing fails here.
            Assert.True(interleavings.Count >= 3, $"Only {interleavings.Count} interleavings: {string.Join(" | ", interleavings)}");
        }
    }
}
