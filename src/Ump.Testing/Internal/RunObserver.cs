namespace Ump.Testing.Internal;

/// <summary>
/// Watches the one request of a handler run. The channel calls it on the thread that decides the outcome, before any
/// continuation runs, so a handler that has just returned after answering is always seen as answered.
/// </summary>
internal sealed class RunObserver : UmpChannelObserver
{
    private int _completed;

    /// <summary>Gets whether the caller has its outcome: an answer, a give-up, or a collected reply context.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) == 1;

    public override void OnRequestCompleted(object? state, UmpOutcome outcome) => Volatile.Write(ref _completed, 1);
}
