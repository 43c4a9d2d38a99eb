using Ump.Internal;

namespace Ump.ScheduleTests;

/// <summary>
/// Regression: a blocking <c>Request</c> could be woken by the late <c>Set</c> meant for the previous request on the same
/// pooled slot, and then read an outcome that did not exist yet ("result requested before the operation completed",
/// about once in ten million round trips under the benchmarks). Pinned down here by holding the first reply until the
/// caller has registered to block (past its spin), then holding the completer between publishing that reply and setting
/// the event, while the caller goes on.
/// </summary>
public sealed class SyncWakeUpTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SyncRequest_IsNeverWokenByThePreviousRequestsSignal()
    {
        var (server, client) = UmpChannel.Create<int, int, NoError>();
        using var completerPaused = new ManualResetEventSlim();
        using var releaseCompleter = new ManualResetEventSlim();
        using var callerMoved = new ManualResetEventSlim();
        using var callerRegistered = new ManualResetEventSlim();
        var sends = 0;
        Thread? serverThread = null;
        Thread? callerThread = null;
        var previousHook = SchedulePoint.Hook;
        SchedulePoint.Hook = point =>
        {
            var current = Thread.CurrentThread;
            if (current == serverThread && point == "TryReply.BeforeCas" && !callerRegistered.IsSet)
            {
                // Answer the first request only once the caller has stopped spinning and registered to block on it.
                Assert.True(callerRegistered.Wait(s_timeout));
            }
            else if (current == serverThread && point == "SignalSyncWaiter.BeforeSet" && !completerPaused.IsSet)
            {
                // The first reply is published; hold its completer before it wakes the caller.
                completerPaused.Set();
                Assert.True(releaseCompleter.Wait(s_timeout));
            }
            else if (current == serverThread && point == "Wait.BeforeLock" && releaseCompleter.IsSet)
            {
                // Keep the second request unanswered until the woken caller has looked at its outcome.
                Assert.True(callerMoved.Wait(s_timeout));
            }
            else if (current == callerThread && point == "GetResult.BeforeRecycle" && releaseCompleter.IsSet)
            {
                callerMoved.Set();
            }
            else if (current == callerThread && point == "Send.BeforeLock")
            {
                Interlocked.Increment(ref sends);
            }
            else if (current == callerThread && point == "WaitSync.AfterHandshake" && Volatile.Read(ref sends) == 1)
            {
                callerRegistered.Set();
            }
        };

        try
        {
            var served = Bounded.NewSignal();
            serverThread = new Thread(() =>
            {
                try
                {
                    for (var i = 0; i < 2; i++)
                    {
                        var (request, reply) = server.Wait();
                        reply.Reply(request);
                    }

                    served.SetResult();
                }
                catch (Exception ex)
                {
                    served.SetException(ex);
                }
            })
            { IsBackground = true };

            var results = Bounded.NewSignal<int[]>();
            callerThread = new Thread(() =>
            {
                try
                {
                    results.SetResult([client.Request(1), client.Request(2)]);
                }
                catch (Exception ex)
                {
                    callerMoved.Set();
                    callerRegistered.Set();
                    results.SetException(ex);
                }
            })
            { IsBackground = true };

            serverThread.Start();
            callerThread.Start();

            // Release the completer once the caller either went on to its second request (the bug) or is blocked
            // waiting for the first request's signal (correct).
            Assert.True(completerPaused.Wait(s_timeout));
            var blockedPolls = 0;
            var deadline = Environment.TickCount64 + (long)s_timeout.TotalMilliseconds;
            while (Volatile.Read(ref sends) < 2 && blockedPolls < 50 && Environment.TickCount64 < deadline)
            {
                blockedPolls = (callerThread.ThreadState & ThreadState.WaitSleepJoin) != 0 ? blockedPolls + 1 : 0;
                Thread.Yield();
            }

            releaseCompleter.Set();

            Assert.Equal(new[] { 1, 2 }, await results.Task.WaitAsync(s_timeout));
            await served.Task.WaitAsync(s_timeout);
        }
        finally
        {
            releaseCompleter.Set();
            callerRegistered.Set();
            SchedulePoint.Hook = previousHook;
            client.Dispose();
            server.Dispose();
        }
    }
}
