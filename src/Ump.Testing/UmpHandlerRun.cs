using System.Diagnostics;
using System.Runtime.CompilerServices;
using Ump.Testing.Internal;

namespace Ump.Testing;

/// <summary>
/// One request running through a handler, started by <see cref="UmpHandlerTester.Start{TReq, TReply, TErr}(Ump.Hosting.IUmpHandler{TReq, TReply, TErr}, TReq)"/>:
/// cancel it as a caller giving up would, and wait for the handler to return and for its answer.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// The request travels through a real Ump channel, so the handler gets a real <see cref="ReplyContext{TReply, TErr}"/> and
/// its cancellation token is the context's <see cref="ReplyContext{TReply, TErr}.RequestAborted"/>, exactly as under a hosted
/// server. All members are thread-safe.
/// </remarks>
public sealed class UmpHandlerRun<TReq, TReply, TErr>
{
    private const int CollectionRetries = 3;

    private readonly RunObserver _observer = new();
    private readonly CancellationTokenSource _caller = new();
    private readonly Task<UmpHandlerOutcome<TReply, TErr>> _answer;
    private readonly Task<UmpHandlerOutcome<TReply, TErr>> _outcome;
    private int _canceled;

    internal UmpHandlerRun(TReq request, HandlerInvoker<TReq, TReply, TErr> invoke)
    {
        Request = request;
        var (server, client) = UmpChannel.Create<TReq, TReply, TErr>(new UmpChannelOptions { Observer = _observer });
        using (client)
        {
            _answer = AnswerAsync(client.Send(request), _caller.Token);
        }

        var handled = Invoke(server, invoke);
        Returned = ReturnedAsync(handled);
        _outcome = OutcomeAsync();
    }

    /// <summary>Gets the request the handler was given.</summary>
    public TReq Request { get; }

    /// <summary>
    /// Gets a task that completes when <c>HandleAsync</c> has returned or thrown, with the outcome at that moment: the
    /// answer it gave, <see cref="UmpHandlerOutcomeKind.Threw"/>, <see cref="UmpHandlerOutcomeKind.Canceled"/>, or
    /// <see cref="UmpHandlerOutcomeKind.Pending"/> when it deferred its answer. It never faults.
    /// </summary>
    /// <remarks>Bound the wait (<c>run.Returned.WaitAsync(timeout)</c>), or use <see cref="WaitForOutcomeAsync"/>.</remarks>
    public Task<UmpHandlerOutcome<TReply, TErr>> Returned { get; }

    /// <summary>
    /// Gives up on the request, as a caller whose token fires would: the context's <see cref="ReplyContext{TReply, TErr}.RequestAborted"/>
    /// and the handler's token fire, and a later <c>Reply</c> or <c>Fail</c> returns <see langword="false"/>. Does nothing
    /// once the handler has answered, or on a second call.
    /// </summary>
    public void Cancel()
    {
        if (Interlocked.Exchange(ref _canceled, 1) == 0)
        {
            _caller.Cancel();
        }
    }

    /// <summary>
    /// Waits until the handler has returned and its answer is known, including an answer it deferred to other code, and
    /// returns the outcome; never <see cref="UmpHandlerOutcomeKind.Pending"/>.
    /// </summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Ends the wait (not the run) with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The final outcome.</returns>
    /// <exception cref="TimeoutException">The handler did not return, or its deferred answer did not come, within <paramref name="timeout"/>.</exception>
    public async Task<UmpHandlerOutcome<TReply, TErr>> WaitForOutcomeAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _outcome.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            var advice = Returned.IsCompleted
                ? "The handler returned without answering and the code it handed the reply context to has not answered yet: trigger that code in the test, or wait longer."
                : "The handler has not returned: it may be waiting for something the test has not provided yet, or ignoring its cancellation token after Cancel().";
            throw new TimeoutException($"No outcome for request {Request} within {timeout}. {advice}", ex);
        }
    }

    /// <summary>Describes the run: its request and whether the handler has returned.</summary>
    /// <returns>A short description for assertion messages.</returns>
    public override string ToString() =>
        Returned.IsCompleted ? $"Run of {Request}: returned, {Returned.Result}" : $"Run of {Request}: the handler is running";

    // Takes the request and calls the handler in a frame of its own, so that once the handler has returned nothing here
    // still references the reply context: a context the handler dropped can then be collected, and told from a deferred one.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task Invoke(Server<TReq, TReply, TErr> server, HandlerInvoker<TReq, TReply, TErr> invoke)
    {
        using (server)
        {
            // Stryker disable once Block,Statement,String : unreachable; the request was sent just before on an unbounded channel, so TryWait always takes it.
            if (!server.TryWait(out var request, out var reply))
            {
                throw new UnreachableException("The request sent on an unbounded channel was not there to take.");
            }

            try
            {
                return invoke(request, reply, reply.RequestAborted).AsTask();
            }
            catch (Exception ex)
            {
                return Task.FromException(ex);
            }
        }
    }

    private static async Task<UmpHandlerOutcome<TReply, TErr>> AnswerAsync(WaitReply<TReply, TErr> wait, CancellationToken cancellationToken)
    {
        using (wait)
        {
            try
            {
                return UmpHandlerOutcome<TReply, TErr>.Replied(await wait.WaitAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (UmpException<TErr> ex)
            {
                return UmpHandlerOutcome<TReply, TErr>.Failed(ex.Error);
            }
            catch (UmpException ex)
            {
                return UmpHandlerOutcome<TReply, TErr>.NoReply(ex);
            }
            catch (OperationCanceledException ex)
            {
                return UmpHandlerOutcome<TReply, TErr>.Canceled(ex);
            }
        }
    }

    private async Task<UmpHandlerOutcome<TReply, TErr>> ReturnedAsync(Task handled)
    {
        try
        {
            await handled.ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (Volatile.Read(ref _canceled) == 1)
        {
            return UmpHandlerOutcome<TReply, TErr>.Canceled(ex);
        }
        catch (Exception ex)
        {
            return UmpHandlerOutcome<TReply, TErr>.Threw(ex);
        }

        if (!_observer.IsCompleted && !await ContextCollectedAsync().ConfigureAwait(false))
        {
            return UmpHandlerOutcome<TReply, TErr>.Pending;
        }

        return await _answer.ConfigureAwait(false);
    }

    /// <summary>
    /// Tells a deferred answer (someone still holds the context) from a forgotten one (nobody does): only a collection can,
    /// and it runs the context's finalizer, which answers NoReply as under a hosted server.
    /// </summary>
    /// <remarks>
    /// An async handler's frame still holds the context while its completion runs this code, and lets go of it just after;
    /// so when the first collection finds the context alive, a few more follow, each after a short timer delay (on the
    /// thread pool, never on the handler's synchronization context), before the answer is called deferred.
    /// </remarks>
    private async Task<bool> ContextCollectedAsync()
    {
        for (var attempt = 0; attempt <= CollectionRetries; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt)).ConfigureAwait(false);
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (_observer.IsCompleted)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<UmpHandlerOutcome<TReply, TErr>> OutcomeAsync()
    {
        var returned = await Returned.ConfigureAwait(false);
        // Stryker disable once Boolean : equivalent; a Pending outcome only ever comes after ContextCollectedAsync's timer delays, so this runs on the thread pool, with no caller context to resume on.
        return returned.Kind == UmpHandlerOutcomeKind.Pending ? await _answer.ConfigureAwait(false) : returned;
    }
}
