using Ump.Hosting;
using Ump.Testing.Internal;

namespace Ump.Testing;

/// <content>The loop: takes each request, records it, and hands it to a script, the function or handler, or nobody.</content>
public sealed partial class FakeUmpServer<TReq, TReply, TErr>
{
    private static HandlerInvoker<TReq, TReply, TErr> FromFunction(Func<TReq, TReply> reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return (request, context, _) =>
        {
            context.Reply(reply(request));
            return default;
        };
    }

    private static HandlerInvoker<TReq, TReply, TErr> FromFunction(Func<TReq, CancellationToken, ValueTask<TReply>> replyAsync)
    {
        ArgumentNullException.ThrowIfNull(replyAsync);
        // Stryker disable once Boolean : equivalent; awaited on the fake's loop, a thread-pool thread with no synchronization context or task scheduler to resume on.
        return async (request, context, cancellationToken) => context.Reply(await replyAsync(request, cancellationToken).ConfigureAwait(false));
    }

    private static HandlerInvoker<TReq, TReply, TErr> FromHandler(IUmpHandler<TReq, TReply, TErr> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return handler.HandleAsync;
    }

    private async Task RunAsync()
    {
        while (true)
        {
            try
            {
                // No named local for the taken request: nothing in this loop may keep a reply context reachable.
                // Stryker disable once Boolean : equivalent; the loop runs on the thread pool (Task.Run, and waits completed from the pool), with no synchronization context or task scheduler to resume on.
                Dispatch(await _server.WaitAsync(_stopping.Token).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or UmpException)
            {
                return; // stopped, or every client is gone
            }
        }
    }

    private void Dispatch((TReq Request, ReplyContext<TReply, TErr> Reply) taken)
    {
        var (request, reply) = taken;
        Script<TReq, TReply, TErr>? script = null;
        Exception? pickFailed = null;
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
            if (!disposed)
            {
                try
                {
                    script = _scripts.Find(s => s.TryTake(request));
                }
                catch (Exception ex)
                {
                    pickFailed = ex;
                }

                if (script is null && pickFailed is null && _respond is not null)
                {
                    _running.Add(reply);
                }
            }
        }

        _requests.Add(request);
        if (disposed)
        {
            reply.Abort();
        }
        else if (pickFailed is not null)
        {
            reply.Abandon(pickFailed);
        }
        else if (script?.Hold is { } hold)
        {
            hold.Take(request, reply);
        }
        else if (script?.Answer is { } answer)
        {
            answer.Apply(request, reply);
        }
        else if (_respond is not null)
        {
            _ = RespondAsync(request, reply);
        }
        else
        {
            reply.Abandon(new InvalidOperationException(
                $"The fake server has no script for request {request}, and no reply function or handler. Script it with OnNext or On before the code under test sends it, or pass a function to the constructor."));
        }
    }

    private async Task RespondAsync(TReq request, ReplyContext<TReply, TErr> reply)
    {
        try
        {
            using var token = CancellationTokenSource.CreateLinkedTokenSource(reply.RequestAborted, _stopping.Token);
            // Stryker disable once Boolean : equivalent; called from the fake's loop, a thread-pool thread with no synchronization context or task scheduler to resume on.
            await _respond!(request, reply, token.Token).ConfigureAwait(false);
        }
        catch (UmpException<TErr> ex) when (_errorsFromExceptions)
        {
            TryAnswer(reply, r => r.Fail(ex.Error));
        }
        catch (Exception ex)
        {
            TryAnswer(reply, r => r.Abandon(ex));
        }
        finally
        {
            lock (_gate)
            {
                _running.Remove(reply);
            }
        }
    }

    private static void TryAnswer(ReplyContext<TReply, TErr> reply, Func<ReplyContext<TReply, TErr>, bool> answer)
    {
        try
        {
            answer(reply);
        }
        catch (InvalidOperationException)
        {
            // Answered before it threw: the first outcome stands, as under a hosted server.
        }
    }

    private void Stop()
    {
        ReplyContext<TReply, TErr>[] running;
        FakeUmpHold<TReq, TReply, TErr>[] holds;
        lock (_gate)
        {
            if (_disposed)
            {
                // Stryker disable once Statement : equivalent; a second stop finds nothing running or held, and disposing the server, cancelling and closing again are no-ops.
                return;
            }

            _disposed = true;
            running = [.. _running];
            // Stryker disable once Statement : equivalent; only Stop reads the set, and its body runs once (a later RespondAsync removes its own entry anyway).
            _running.Clear();
            holds = [.. _scripts.Select(s => s.Hold).OfType<FakeUmpHold<TReq, TReply, TErr>>()];
        }

        _server.Dispose();

        // The callers are answered before the tokens fire, so a function that reacts to its token cannot answer first.
        foreach (var reply in running)
        {
            reply.Abort();
        }

        foreach (var hold in holds)
        {
            hold.Abort();
        }

        _stopping.Cancel();
        _requests.Close();
    }
}
