using Ump.Testing.Internal;

namespace Ump.Testing;

/// <summary>
/// The requests a registered Ump server's handler received, for integration tests against a real host: get one from
/// <c>services.RecordUmpRequests&lt;TReq, TReply, TErr&gt;(name)</c>, run the code under test, then inspect
/// <see cref="Requests"/> or wait for them with <see cref="WaitForRequestsAsync"/>.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// It records through a filter, so it sees each request that reaches the filters added before it, as the handler is about
/// to get it (a request whose caller gave up while it was queued never gets that far). All members are thread-safe.
/// </remarks>
public sealed class UmpRequestRecorder<TReq, TReply, TErr>
{
    private readonly RequestLog<TReq> _requests;

    internal UmpRequestRecorder(string serverName)
    {
        ServerName = serverName;
        _requests = new(
            $"Ump server '{(serverName.Length == 0 ? "(unnamed)" : serverName)}'",
            nameof(UmpRequestRecorder<TReq, TReply, TErr>),
            // Stryker disable once String : equivalent; a recorder's log is never closed, so its advice for a closed log is never shown.
            string.Empty);
    }

    /// <summary>Gets the name of the server it records (empty for the unnamed server).</summary>
    public string ServerName { get; }

    /// <summary>Gets a snapshot of the requests received so far, in the order they reached the recorder.</summary>
    public IReadOnlyList<TReq> Requests => _requests.Snapshot();

    /// <summary>Forgets the requests recorded so far, for a test that shares its host with others.</summary>
    public void Clear() => _requests.Clear();

    /// <summary>Waits until at least <paramref name="count"/> requests have been recorded, and returns a snapshot of them.</summary>
    /// <param name="count">How many requests to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The requests recorded so far, at least <paramref name="count"/> of them.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="TimeoutException">Fewer requests arrived within <paramref name="timeout"/>.</exception>
    public Task<IReadOnlyList<TReq>> WaitForRequestsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _requests.WaitForAsync(count, timeout, cancellationToken);

    internal void Record(TReq request) => _requests.Add(request);
}
