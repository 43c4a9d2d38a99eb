using Ump.Hosting;

namespace Ump.Samples.KeyValue;

/// <summary>
/// Refuses a command whose key or value breaks <see cref="KvLimits"/> before it reaches <see cref="KeyValueStoreHandler"/>,
/// so the handler only deals with valid commands, whoever sends them (the Web API validates its input too, the worker does not).
/// Register it with the store: <c>AddUmpServer&lt;KvCommand, KvReply, KvError, KeyValueStoreHandler&gt;().AddFilter&lt;KeyValidationFilter&gt;()</c>.
/// </summary>
public sealed class KeyValidationFilter : IUmpFilter<KvCommand, KvReply, KvError>
{
    public ValueTask InvokeAsync(UmpHandlerContext<KvCommand, KvReply, KvError> context, UmpHandlerDelegate<KvCommand, KvReply, KvError> next)
    {
        var command = context.Request;
        if (string.IsNullOrEmpty(command.Key) || command.Key.Length > KvLimits.MaxKeyLength)
        {
            context.Reply.Fail(KvError.InvalidKey);
            return ValueTask.CompletedTask;
        }

        if (command.Operation == KvOperation.Put && (command.Value is null || command.Value.Length > KvLimits.MaxValueLength))
        {
            context.Reply.Fail(KvError.InvalidValue);
            return ValueTask.CompletedTask;
        }

        return next(context);
    }
}
