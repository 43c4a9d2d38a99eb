using System.Diagnostics.CodeAnalysis;

namespace Ump.Internal;

/// <summary>Cold throw paths, kept out of the hot methods so they stay small and inlinable.</summary>
internal static class ThrowHelper
{
    // A disposed client cannot be cloned either, so the advice names what still works.
    internal static ObjectDisposedException CreateClientDisposed() =>
        new("Client", "This Client has been disposed and cannot be used or cloned. With Ump.Hosting, inject a fresh Client or call IUmpClientFactory.CreateClient(); with a bare channel, call Clone() or WeakClient.Upgrade() while a client is still alive.");

    [DoesNotReturn]
    internal static void ThrowClientDisposed() => throw CreateClientDisposed();

    internal static ObjectDisposedException CreateServerDisposed() =>
        new(nameof(Server<int, int, int>), "The Ump server has been disposed; it can no longer wait for requests. Create a new channel with UmpChannel.Create().");

    [DoesNotReturn]
    internal static void ThrowServerDisposed() => throw CreateServerDisposed();

    [DoesNotReturn]
    internal static void ThrowReplyContextUsed() =>
        throw new InvalidOperationException("This ReplyContext has already been used: Reply, Fail or Abandon was called, or it was disposed. Each request gets exactly one outcome; the first one stands.");

    [DoesNotReturn]
    internal static void ThrowDefaultReplyContext() =>
        throw new InvalidOperationException("This ReplyContext is a default value and belongs to no request. Use the ReplyContext returned by Server.Wait, Server.WaitAsync or Server.TryWait.");

    [DoesNotReturn]
    internal static void ThrowWaitReplyAlreadyWaited() =>
        throw new InvalidOperationException("This WaitReply has already been waited on. A WaitReply delivers its outcome once: call Wait, WaitAsync or await it a single time.");

    [DoesNotReturn]
    internal static void ThrowWaitReplyDisposed() =>
        throw new ObjectDisposedException(nameof(WaitReply<int, int>), "This WaitReply was disposed, which gave up on the request. Wait for the reply before disposing the WaitReply.");

    [DoesNotReturn]
    internal static void ThrowStaleToken() =>
        throw new InvalidOperationException("The operation backing this ValueTask has already completed and been consumed. A ValueTask returned by Ump may be awaited only once.");

    [DoesNotReturn]
    internal static void ThrowNotCompleted() =>
        throw new InvalidOperationException("The result was requested before the operation completed. Await the ValueTask instead of calling GetResult on it directly.");

    internal static UmpException CreateServerDisappeared(Exception? reason = null) =>
        new(UmpErrorKind.ServerDisappeared, "The Ump server was disposed or shut down before it answered this request. Send it again to a live server.", reason);

    internal static UmpException CreateClientsDisappeared() =>
        new(UmpErrorKind.ClientsDisappeared, "Every client of this Ump channel has been disposed and no request is left in the queue. Stop the server loop and dispose the server.");

    internal static UmpException CreateServerCompleted() =>
        new(UmpErrorKind.ClientsDisappeared, "This Ump server was completed (Server.Complete) and no request is left in the queue: no more requests will arrive. Stop the server loop and dispose the server.");

    internal static UmpException CreateNoReply(Exception? reason) =>
        new(UmpErrorKind.NoReply, "The Ump server took this request but gave it up without calling Reply or Fail. A handler must answer every request exactly once." + (reason is null ? string.Empty : " See the inner exception for the reason it gave."), reason);

    internal static UmpException CreateNoReplyCollected() =>
        new(UmpErrorKind.NoReply, "The Ump server took this request but its ReplyContext was garbage-collected without Reply or Fail. A handler must answer every request exactly once, or dispose the ReplyContext when it cannot.");

    internal static TimeoutException CreateRequestTimeout(TimeSpan timeout) =>
        new($"The request got no outcome within the channel's RequestTimeout of {timeout}. The request was withdrawn, or the server's RequestAborted token fired. Raise UmpChannelOptions.RequestTimeout if the server needs longer.");

    internal static OperationCanceledException CreateWaitReplyDisposed() =>
        new("The WaitReply was disposed while a wait on it was in progress, which gave up on the request.");
}
