using System.Threading.Tasks.Sources;

namespace Ump.Internal;

/// <summary>
/// Lets a thread block on a pooled source (a reply slot, a server waiter) without the completion of one use ever
/// waking a later use of the same source.
/// </summary>
/// <remarks>
/// <para>
/// The waiting thread spins on the source's own outcome first, as <see cref="ManualResetEventSlim.Wait()"/> spins on
/// its own state: a completion that comes within the spin never touches the event, on either side, so the hand-off
/// moves only the source's lines between the cores.
/// </para>
/// <para>
/// Past the spin, the waiter and the completer each move <see cref="_state"/> once, by CAS, before acting; whoever
/// moves it first decides whether the event will be Set:
/// <list type="bullet">
/// <item><c>NoWaiter -&gt; Waiter</c>: the waiter will block on the event, so the completer must Set it, and the waiter
/// waits for that Set before the source can be recycled (or the Set would reach its next use);</item>
/// <item><c>NoWaiter -&gt; Signaled</c>: the completer got there first and will not Set; a late waiter spins until the
/// outcome is published.</item>
/// </list>
/// </para>
/// </remarks>
internal struct SyncHandshake
{
    private const int NoWaiter = 0;
    private const int Waiter = 1;
    private const int Signaled = 2;

    // As ManualResetEventSlim's default on a multi-core machine.
    private const int SpinsBeforeBlocking = 35;

    private int _state;
    private ManualResetEventSlim? _event;

    /// <summary>Starts a new use. The source is not yet visible to any other thread.</summary>
    internal void Reset() => _state = NoWaiter;

    /// <summary>
    /// Called by the completer before it publishes the outcome: once it is published, the source may be recycled at
    /// once, so the decision cannot wait.
    /// </summary>
    /// <returns><see langword="true"/> when a thread is (or will be) blocked on the event: pass it to <see cref="Signal"/>.</returns>
    internal bool Claim() => Interlocked.CompareExchange(ref _state, Signaled, NoWaiter) == Waiter;

    /// <summary>Wakes the blocked thread, after the outcome is published, when <see cref="Claim"/> said there is one.</summary>
    /// <remarks>That thread waits for this Set before it reads the outcome, so it cannot have recycled the source yet.</remarks>
    internal void Signal(bool claimed)
    {
        if (claimed)
        {
            SchedulePoint.Reached("SignalSyncWaiter.BeforeSet");
            _event!.Set();
        }
    }

    /// <summary>Blocks the calling thread until <paramref name="source"/> holds the outcome of its current use.</summary>
    internal void Wait<T>(ref ManualResetValueTaskSourceCore<T> source)
    {
        var spinner = default(SpinWait);
        // Stryker disable once Equality : equivalent; the spin only saves blocking on the event, and the checks below handle an outcome that is there or not, however long it spun.
        while (source.GetStatus(source.Version) == ValueTaskSourceStatus.Pending && spinner.Count < SpinsBeforeBlocking)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        // Stryker disable once Statement,Block : equivalent; an outcome already published came through Claim, which left Signaled, so the handshake below takes the spin branch and returns at once (having only made the event).
        if (source.GetStatus(source.Version) != ValueTaskSourceStatus.Pending)
        {
            return;
        }

        // Stryker disable once Assignment,Boolean : equivalent; a fresh event per blocking wait only allocates, as the completer Sets the one in the field, and an initially set event is Reset below before any wait.
        var waitEvent = _event ??= new ManualResetEventSlim(false);
        if (Volatile.Read(ref _state) == NoWaiter)
        {
            // Nobody Sets the event while no waiter is registered, so this Reset cannot erase a wake-up.
            waitEvent.Reset();
        }

        SchedulePoint.Reached("WaitSync.BeforeHandshake");
        if (Interlocked.CompareExchange(ref _state, Waiter, NoWaiter) == Signaled)
        {
            // The completer decided not to Set the event; it is between that decision and publishing the outcome.
            // Stryker disable once Statement : equivalent; only how soon the spin yields the thread, not when it ends.
            spinner.Reset();
            // Stryker disable once Statement,Block : equivalent; a spin without pauses ends at the same outcome, only burning more of the core meanwhile.
            while (source.GetStatus(source.Version) == ValueTaskSourceStatus.Pending)
            {
                spinner.SpinOnce();
            }

            return;
        }

        SchedulePoint.Reached("WaitSync.AfterHandshake");
        waitEvent.Wait();
    }
}
