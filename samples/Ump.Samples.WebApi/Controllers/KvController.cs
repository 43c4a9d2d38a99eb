using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Ump.Samples.KeyValue;

namespace Ump.Samples.WebApi.Controllers;

/// <summary>The body of <c>PUT /kv/{key}</c>.</summary>
public sealed record KvValue([Required(AllowEmptyStrings = true), StringLength(KvLimits.MaxValueLength)] string Value);

/// <summary>An entry of the store, as the API returns it.</summary>
public sealed record KvEntry(string Key, string Value);

/// <summary>
/// <c>GET/PUT/DELETE /kv/{key}</c> over the key-value store. The controller injects the scoped
/// <see cref="Client{TReq, TReply, TErr}"/> and calls the store through it; the invalid input is answered with 400 by
/// model validation (<c>[ApiController]</c>) before any request is sent, and <see cref="UmpExceptionFilter"/> maps the
/// store's errors (404, 503).
/// </summary>
[ApiController]
[Route("kv")]
public sealed partial class KvController(Client<KvCommand, KvReply, KvError> store, ILogger<KvController> logger) : ControllerBase
{
    /// <summary>The largest request body, in bytes; larger ones are refused with 413 before they are read.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    [HttpGet("{key?}")]
    [ProducesResponseType<KvEntry>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    public async Task<ActionResult<KvEntry>> Get([Required, StringLength(KvLimits.MaxKeyLength)] string key, CancellationToken ct)
    {
        var reply = await SendAsync(KvCommand.Get(key), ct);
        return new KvEntry(reply.Key, reply.Value);
    }

    [HttpPut("{key?}")]
    [RequestSizeLimit(MaxBodyBytes)]
    [Consumes("application/json")]
    [ProducesResponseType<KvEntry>(StatusCodes.Status200OK)]
    [ProducesResponseType<KvEntry>(StatusCodes.Status201Created)]
    public async Task<ActionResult<KvEntry>> Put([Required, StringLength(KvLimits.MaxKeyLength)] string key, KvValue body, CancellationToken ct)
    {
        var reply = await SendAsync(KvCommand.Put(key, body.Value), ct);
        var entry = new KvEntry(reply.Key, reply.Value);
        return reply.Created ? CreatedAtAction(nameof(Get), new { key }, entry) : entry;
    }

    [HttpDelete("{key?}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Delete([Required, StringLength(KvLimits.MaxKeyLength)] string key, CancellationToken ct)
    {
        await SendAsync(KvCommand.Delete(key), ct);
        return NoContent();
    }

    private ValueTask<KvReply> SendAsync(KvCommand command, CancellationToken ct)
    {
        LogSending(logger, command.Operation, command.Key);
        return store.RequestAsync(command, ct);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Sending {Operation} {Key} to the store")]
    private static partial void LogSending(ILogger logger, KvOperation operation, string key);
}
