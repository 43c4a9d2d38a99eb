using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Ump.Hosting;
using Ump.Samples.KeyValue;

namespace Ump.Samples.Worker;

/// <summary>
/// The client side: a <see cref="BackgroundService"/> that calls both Ump servers through their
/// <see cref="IUmpClientFactory{TReq, TReply, TErr}"/> (a hosted service lives outside any DI scope, so it owns its
/// clients) and checks every answer.
/// </summary>
/// <remarks>
/// <see cref="ClientWorkerOptions.Concurrency"/> loops run at once. Each loop repeats a cycle of five requests on a key of
/// its own: put it, get it back, hash the value, delete it, and get it again (the store answers <see cref="KvError.NotFound"/>,
/// which is the expected outcome). With <see cref="ClientWorkerOptions.Requests"/> set, the worker stops after that many
/// requests, writes one summary line to stdout and stops the host, with exit code 1 if any request failed.
/// </remarks>
public sealed partial class ClientWorker(
    [FromKeyedServices("kv")] IUmpClientFactory<KvCommand, KvReply, KvError> kvClients,
    [FromKeyedServices("hashing")] IUmpClientFactory<HashRequest, HashReply, HashError> hashingClients,
    IOptions<ClientWorkerOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ClientWorker> logger) : BackgroundService
{
    private readonly ClientWorkerOptions _options = options.Value;
    private long _issued;
    private long _completed;
    private long _errors;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var kv = kvClients.CreateClient();
        using var hashing = hashingClients.CreateClient();

        LogStarting(logger, _options.Concurrency, _options.Requests?.ToString(CultureInfo.InvariantCulture) ?? "until stopped");
        var started = Stopwatch.GetTimestamp();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _options.Concurrency).Select(lane => Task.Run(() => RunLoopAsync(lane, kv, hashing, stoppingToken), CancellationToken.None)));
        }
        catch
        {
            // A bug in the worker itself (the loops handle every Ump outcome): the host stops
            // (BackgroundServiceExceptionBehavior.StopHost) and the exit code says so.
            Environment.ExitCode = 1;
            throw;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);

        var completed = Interlocked.Read(ref _completed);
        var errors = Interlocked.Read(ref _errors);
        LogFinished(logger, completed, errors, elapsed.TotalSeconds);
        if (_options.Requests is not null)
        {
            // The one line a script (or the samples' tests) reads.
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests={completed} errors={errors} elapsed={elapsed.TotalSeconds:0.00}s"));
            Environment.ExitCode = errors == 0 ? 0 : 1;
            lifetime.StopApplication();
        }
    }

    private async Task RunLoopAsync(int lane, Client<KvCommand, KvReply, KvError> kv, Client<HashRequest, HashReply, HashError> hashing, CancellationToken ct)
    {
        var level = _options.Requests is null ? LogLevel.Information : LogLevel.Debug;
        for (var cycle = 0; ; cycle++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"loop{lane}-key{cycle % 16}");
            var value = string.Create(CultureInfo.InvariantCulture, $"value {cycle} of loop {lane}");
            var hashRequest = new HashRequest(value, _options.HashRounds);
            string? hash = null;

            var done =
                await StepAsync("put", key, async () =>
                {
                    var reply = await kv.RequestAsync(KvCommand.Put(key, value), ct);
                    Check(reply.Value == value, "put answered another value");
                    return reply.Created ? "created" : "replaced";
                }, ct) &&
                await StepAsync("get", key, async () =>
                {
                    var reply = await kv.RequestAsync(KvCommand.Get(key), ct);
                    Check(reply.Value == value, "get answered another value");
                    return reply.Value;
                }, ct) &&
                await StepAsync("hash", key, async () =>
                {
                    var reply = await hashing.RequestAsync(hashRequest, ct);
                    Check(reply.Hex == HashingHandler.Expected(hashRequest), "wrong hash");
                    hash = reply.Hex;
                    return reply.Hex;
                }, ct) &&
                await StepAsync("delete", key, async () =>
                {
                    var reply = await kv.RequestAsync(KvCommand.Delete(key), ct);
                    Check(reply.Value == value, "delete removed another value");
                    return "deleted";
                }, ct) &&
                await StepAsync("get after delete", key, async () =>
                {
                    try
                    {
                        var reply = await kv.RequestAsync(KvCommand.Get(key), ct);
                        throw new UnexpectedReplyException($"got '{reply.Value}' for a deleted key");
                    }
                    catch (UmpException<KvError> ex) when (ex.Error == KvError.NotFound)
                    {
                        return "NotFound, as expected"; // an application error: the handler called reply.Fail(KvError.NotFound)
                    }
                }, ct);

            if (!done)
            {
                return;
            }

            LogCycle(logger, level, lane, cycle, key, value, hash?[..16]);
            if (_options.Requests is null)
            {
                try
                {
                    await Task.Delay(_options.Interval, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Makes one request, unless the budget is spent or the host is stopping; false: stop the loop.</summary>
    private async Task<bool> StepAsync(string operation, string key, Func<Task<string>> request, CancellationToken ct)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested ||
            (_options.Requests is { } budget && Interlocked.Increment(ref _issued) > budget))
        {
            return false;
        }

        try
        {
            var result = await request();
            Interlocked.Increment(ref _completed);
            LogStep(logger, operation, key, result);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false; // the host is stopping
        }
        catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared && lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return false; // the servers closed for the shutdown between our check and the send
        }
        catch (Exception ex) when (ex is UmpException or TimeoutException or UnexpectedReplyException)
        {
            Interlocked.Increment(ref _completed);
            Interlocked.Increment(ref _errors);
            LogStepFailed(logger, operation, key, ex);
            return true;
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new UnexpectedReplyException(message);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Client worker started: {Concurrency} loops, requests: {Requests}")]
    private static partial void LogStarting(ILogger logger, int concurrency, string requests);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "{Operation} {Key}: {Result}")]
    private static partial void LogStep(ILogger logger, string operation, string key, string result);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "{Operation} {Key} failed")]
    private static partial void LogStepFailed(ILogger logger, string operation, string key, Exception exception);

    [LoggerMessage(EventId = 4, Message = "Loop {Loop} cycle {Cycle}: {Key} = '{Value}', sha256^n {Hash}..., deleted")]
    private static partial void LogCycle(ILogger logger, LogLevel level, int loop, int cycle, string key, string value, string? hash);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Client worker finished: {Requests} requests, {Errors} errors in {Seconds:0.00} s")]
    private static partial void LogFinished(ILogger logger, long requests, long errors, double seconds);
}

/// <summary>A reply that does not match what the worker sent.</summary>
public sealed class UnexpectedReplyException(string message) : Exception(message);
