using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ump.Hosting;

namespace Ump.Samples.KeyValue;

/// <summary>
/// An in-memory key-value store in the ump-server style: one instance owns the state (a plain
/// <see cref="Dictionary{TKey, TValue}"/>, no locks) and handles one request at a time.
/// Register it with <c>HandlerLifetime = Singleton</c> and <c>MaxConcurrency = 1</c>: the Ump server then serialises
/// every caller's requests, in FIFO order, onto this one handler.
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

        if (string.IsNullOrEmpty(request.Key) || request.Key.Length > KvLimits.MaxKeyLength)
        {
            reply.Fail(KvError.InvalidKey);
            return;
        }

        switch (request.Operation)
        {
            case KvOperation.Get:
                if (_entries.TryGetValue(request.Key, out var value))
                {
                    reply.Reply(new KvReply(request.Key, value));
                }
                else
                {
                    reply.Fail(KvError.NotFound);
                }

                break;

            case KvOperation.Put:
                if (request.Value is null || request.Value.Length > KvLimits.MaxValueLength)
                {
                    reply.Fail(KvError.InvalidValue);
                    return;
                }

                var created = _entries.TryAdd(request.Key, request.Value);
                if (!created)
                {
                    _entries[request.Key] = request.Value;
                }

                LogPut(logger, request.Key, created);
                reply.Reply(new KvReply(request.Key, request.Value, created));
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
