namespace Ump.TestSupport;

/// <summary>Bounded waits, shared by every test project: a bug fails the test instead of hanging the run.</summary>
internal static class Bounded
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static Task Within(this Task task) => task.WaitAsync(Timeout);

    public static Task<T> Within<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Timeout);

    public static Task Within(this ValueTask task) => task.AsTask().WaitAsync(Timeout);

    /// <summary>A signal whose waiters continue on the thread pool, never inline on the thread that sets it.</summary>
    public static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc cref="NewSignal()"/>
    public static TaskCompletionSource<T> NewSignal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs blocking code on a dedicated thread, so a blocking call that hangs fails the awaiting test.</summary>
    public static Task<T> OnThread<T>(Func<T> body)
    {
        var tcs = NewSignal<T>();
        var thread = new Thread(() =>
        {
            try
            {
                tcs.SetResult(body());
            }
            catch (Exception ex)
            {
                tcs.SetException(ex);
            }
        })
        { IsBackground = true };
        thread.Start();
        return tcs.Task;
    }

    public static Task OnThread(Action body) => OnThread(() =>
    {
        body();
        return true;
    });

    /// <summary>Waits until <paramref name="condition"/> holds, yielding the thread between checks; fails after the timeout.</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        var deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }

            await Task.Yield();
        }
    }

    /// <summary>Asserts that <paramref name="task"/> has not completed, after letting every runnable work item run.</summary>
    public static async Task StillPending(Task task)
    {
        for (var i = 0; i < 50; i++)
        {
            await Task.Yield();
        }

        Assert.False(task.IsCompleted, "The operation completed but should still be waiting.");
    }

    /// <summary>Runs full collections (and finalizers) until <paramref name="task"/> completes or the timeout passes.</summary>
    /// <remarks>For outcomes that only the garbage collector's safety net can produce.</remarks>
    public static async Task CollectUntilCompleted(Task task)
    {
        var deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
        while (!task.IsCompleted && Environment.TickCount64 < deadline)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.WhenAny(task, Task.Delay(10));
        }
    }
}
