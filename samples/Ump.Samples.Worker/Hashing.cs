using System.Security.Cryptography;
using System.Text;
using Ump;
using Ump.Hosting;

namespace Ump.Samples.Worker;

/// <summary>Hash <see cref="Text"/> with SHA-256, <see cref="Rounds"/> times over (a stand-in for CPU-bound work).</summary>
public sealed record HashRequest(string Text, int Rounds = 1);

public sealed record HashReply(string Hex);

public enum HashError
{
    /// <summary><see cref="HashRequest.Rounds"/> is below 1 or above <see cref="HashingHandler.MaxRounds"/>.</summary>
    InvalidRounds,
}

/// <summary>
/// A scoped handler: the Ump server creates one in a fresh DI scope per request and disposes it afterwards, so each of
/// the handlers running at once (<c>MaxConcurrency</c> in <c>appsettings.json</c>) has its own <see cref="SHA256"/>
/// instance, which is not thread-safe.
/// </summary>
public sealed class HashingHandler : IUmpHandler<HashRequest, HashReply, HashError>, IDisposable
{
    public const int MaxRounds = 100_000;

    private readonly SHA256 _sha = SHA256.Create();

    public ValueTask HandleAsync(HashRequest request, ReplyContext<HashReply, HashError> reply, CancellationToken cancellationToken)
    {
        if (request.Rounds is < 1 or > MaxRounds)
        {
            reply.Fail(HashError.InvalidRounds);
            return ValueTask.CompletedTask;
        }

        var hash = _sha.ComputeHash(Encoding.UTF8.GetBytes(request.Text));
        for (var i = 1; i < request.Rounds; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash = _sha.ComputeHash(hash);
        }

        reply.Reply(new HashReply(Convert.ToHexStringLower(hash)));
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _sha.Dispose();

    /// <summary>The expected answer, computed on the caller's side (the worker checks every reply).</summary>
    public static string Expected(HashRequest request)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(request.Text));
        for (var i = 1; i < request.Rounds; i++)
        {
            hash = SHA256.HashData(hash);
        }

        return Convert.ToHexStringLower(hash);
    }
}
