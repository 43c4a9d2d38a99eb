using Ump.Hosting;
using Ump.Orleans.Internal.Wire;

namespace Ump.Orleans.Internal.Serving;

/// <summary>One server as its grains see it, without its type arguments: registered keyed by the server's name.</summary>
internal abstract class UmpGrainServer
{
    /// <summary>Creates what one grain activation runs: a dispatcher of its own, not yet started.</summary>
    public abstract UmpGrainActivation Activate();
}

/// <summary>One grain activation's dispatcher, and the translation between the wire and the channel.</summary>
internal abstract class UmpGrainActivation : IAsyncDisposable
{
    public abstract Task StartAsync(CancellationToken cancellationToken);

    public abstract Task<UmpWireReply> CallAsync(UmpWireRequest request, CancellationToken cancellationToken);

    public abstract Task StopAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

internal sealed class UmpGrainServer<TReq, TReply, TErr>(string name, IUmpDispatcherFactory<TReq, TReply, TErr> factory, IUmpPayloadCodec codec) : UmpGrainServer
{
    public override UmpGrainActivation Activate() => new Activation(name, factory.CreateDispatcher(), codec);

    private sealed class Activation(string name, UmpDispatcher<TReq, TReply, TErr> dispatcher, IUmpPayloadCodec codec) : UmpGrainActivation
    {
        private readonly Client<TReq, TReply, TErr> _client = dispatcher.CreateClient();

        public override Task StartAsync(CancellationToken cancellationToken) => dispatcher.StartAsync(cancellationToken);

        public override async Task<UmpWireReply> CallAsync(UmpWireRequest request, CancellationToken cancellationToken)
        {
            var value = codec.Deserialize<TReq>(request.Payload);

            // Current while the request is sent, so the dispatcher's ump.handle becomes its child.
            using var activity = OrleansDiagnostics.StartReceive(request.TraceParent, request.TraceState, name);
            var pending = _client.RequestAsync(value, cancellationToken);

            // Failed at the send (the dispatcher drains or is gone): the request was never queued, so sending it again is safe.
            var failedAtSend = pending.IsCompleted;
            try
            {
                // Stryker disable once Boolean : equivalent; what runs after the await only builds the wire reply, which needs no grain scheduler.
                return new UmpWireReply { Outcome = UmpWireOutcome.Replied, Payload = codec.Serialize(await pending.ConfigureAwait(true)) };
            }
            catch (UmpException<TErr> ex)
            {
                return new UmpWireReply { Outcome = UmpWireOutcome.Failed, Payload = codec.Serialize(ex.Error) };
            }
            catch (UmpException ex) when (ex.Kind == UmpErrorKind.NoReply)
            {
                // The reason's type and message cross, not the exception: it may not be serializable, or known to the caller.
                return ex.InnerException is { } reason ? UmpWireReply.Of(UmpWireOutcome.NoReply, reason) : new UmpWireReply { Outcome = UmpWireOutcome.NoReply };
            }
            catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared)
            {
                return UmpWireReply.Of(failedAtSend ? UmpWireOutcome.Refused : UmpWireOutcome.ServerDisappeared, ex);
            }
            catch (TimeoutException ex)
            {
                return UmpWireReply.Of(UmpWireOutcome.TimedOut, ex);
            }
        }

        public override Task StopAsync(CancellationToken cancellationToken) => dispatcher.StopAsync(cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            // Stryker disable once Statement : equivalent; the dispatcher's DisposeAsync right after disposes its server, which ends every client of it.
            _client.Dispose();
            // Stryker disable once Boolean : equivalent; nothing runs after this await.
            await dispatcher.DisposeAsync().ConfigureAwait(false);
        }
    }
}
