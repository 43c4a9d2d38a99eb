using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ump.Hosting;

namespace Ump.Samples.KeyValue;

/// <summary>
/// An in-memory key-value store in the ump-server style: one instance owns the state (a plain
/// <see cref="Dictionary{TKey, TValue}"/>, no locks) and handles one request at a time.
/// Register it with <c>HandlerLifetime = Singleton</c> and <c>MaxConcurrency = 1</c>: the Ump server then serialises
/// every caller's requests, in FIFO order, onto this one handler. <see cref="KeyValidationFilter"/>, registered with it,
/// refuses invalid keys and values before they get here.
/// </summary>
public sealed partial class KeyValueStoreHandler(IOptions<KeyValueStoreOptions> options, ILogger<KeyValueStoreHandler> logger)
    : IUmpHandler<KvCommand, KvReply, KvError>
{
    private readonly Dictionary<string, string> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _latency = options.Value.SimulatedLatency;

    public async ValueTask HandleAsync(KvCommand request, ReplyContext<KvReply, KvError> reply, CancellationToken cancellationToken)
    {
        if (_latency > TimeSpan.Zero)
        {
            // ct fires when the caller gives up (its token, the server's RequestTimeout) or at the shutdown deadline.
            await Task.Delay(_latency, cancellationToken);
        }

        switch (request.Operation)
        {
            case KvOperation.Get:
                if (_entries.TryGetValue(request.Key, out var stored))
                {
                    reply.Reply(new KvReply(request.Key, stored));
                }
                else
                {
                    reply.Fail(KvError.NotFound);
                }

                break;

            case KvOperation.Put:
                // The filter let only a Put with a value through.
                var value = request.Value!;
                var created = _entries.TryAdd(request.Key, value);
                if (!created)
                {
                    _entries[request.Key] = value;
                }

                LogPut(logger, request.Key, created);
                reply.Reply(new KvReply(request.Key, value, created));
                break;

            case KvOperation.Delete:
                if (_entries.Remove(request.Key, out var removed))
                {
                    reply.Reply(new KvReply(request.Key, removed));
                }
                else
                {
                    reply.Fail(KvError.NotFound);
                }

                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Operation, "Unknown operation.");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Trace, Message = "Put {Key} (created: {Created})")]
    private static partial void LogPut(ILogger logger, string key, bool created);
}
