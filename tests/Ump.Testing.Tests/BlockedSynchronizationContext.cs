namespace Ump.Testing.Tests;

/// <summary>
/// The synchronization context of a caller whose thread stays blocked (a UI thread waiting on <c>.Result</c>, say): work
/// posted to it never runs. Library code started under it must not resume on it, or it never completes.
/// </summary>
internal sealed class BlockedSynchronizationContext : SynchronizationContext
{
    private int _posted;

    /// <summary>Gets how many continuations were posted to the blocked thread (and never ran).</summary>
    public int Posted => Volatile.Read(ref _posted);

    /// <summary>Runs <paramref name="start"/> with a blocked context current on the calling thread, as the caller's code would, then restores the previous one.</summary>
    public static T Start<T>(Func<T> start)
    {
        var previous = Current;
        SetSynchronizationContext(new BlockedSynchronizationContext());
        try
        {
            return start();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref _posted);

    public override void Send(SendOrPostCallback d, object? state) => throw new InvalidOperationException("The caller's thread is blocked.");

    public override SynchronizationContext CreateCopy() => this;
}
