using System.Diagnostics.CodeAnalysis;
using Ump.Hosting;
using Ump.Testing.Internal;

namespace Ump.Testing;

/// <summary>
/// A real <see cref="Client{TReq, TReply, TErr}"/> whose server is a function, a handler or a script, for unit-testing the
/// code that injects a client (controllers, services): hand it <see cref="Client"/>, then inspect <see cref="Requests"/>.
/// </summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// <para>
/// Each request is recorded, then answered by the first script (<see cref="OnNext"/>, <see cref="On"/>), in the order
/// they were set up, that picks it; otherwise by the function or handler given to the constructor, which may run for
/// many requests at once; otherwise it gets <see cref="UmpErrorKind.NoReply"/> with an inner exception that says so.
/// A function that throws <see cref="UmpException{TErr}"/> fails the request with that error; any other exception gives
/// the caller <see cref="UmpErrorKind.NoReply"/>, as under a hosted server.
/// </para>
/// <para>
/// Disposing the fake ends everything still outstanding with <see cref="UmpErrorKind.ServerDisappeared"/> (queued, held and
/// running requests; a running function's token fires), and later requests fail with it at once, through
/// <see cref="Client"/> and every client from <see cref="CreateClient"/>: that is how to test code against a server that
/// goes away. Scripting a disposed fake throws <see cref="ObjectDisposedException"/>. All members are thread-safe.
/// </para>
/// </remarks>
public sealed partial class FakeUmpServer<TReq, TReply, TErr> : IDisposable, IAsyncDisposable
{
    // The constructors differ in their first parameter's type; the one without arguments is unambiguous.
    private const string OverloadsJustification = "Constructors differ in the type of the first parameter.";

    private readonly Lock _gate = new();
    private readonly Server<TReq, TReply, TErr> _server;
    private readonly HandlerInvoker<TReq, TReply, TErr>? _respond;
    private readonly bool _errorsFromExceptions;
    private readonly CancellationTokenSource _stopping = new();
    private readonly RequestLog<TReq> _requests = new("The fake server", typeof(FakeUmpServer<TReq, TReply, TErr>).Name, "Wait for the requests before disposing it.");
    private readonly List<Script<TReq, TReply, TErr>> _scripts = [];
    private readonly HashSet<ReplyContext<TReply, TErr>> _running = [];
    private readonly Task _loop;
    private bool _disposed;

    /// <summary>Creates a fake server answered by scripts only (<see cref="OnNext"/>, <see cref="On"/>).</summary>
    /// <param name="options">The channel's options, such as a <c>RequestTimeout</c> with a fake <see cref="TimeProvider"/>; <see langword="null"/> for the defaults.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsJustification)]
    public FakeUmpServer(UmpChannelOptions? options = null)
        // Stryker disable once Boolean : equivalent; without a function or handler nothing reads the flag (scripts answer without it).
        : this(null, errorsFromExceptions: false, options)
    {
    }

    /// <summary>Creates a fake server that answers each request with what <paramref name="reply"/> returns for it.</summary>
    /// <param name="reply">Computes the reply; throw <see cref="UmpException{TErr}"/> to fail the request with an application error.</param>
    /// <param name="options">The channel's options; <see langword="null"/> for the defaults.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsJustification)]
    public FakeUmpServer(Func<TReq, TReply> reply, UmpChannelOptions? options = null)
        : this(FromFunction(reply), errorsFromExceptions: true, options)
    {
    }

    /// <summary>Creates a fake server that answers each request with what <paramref name="replyAsync"/> returns for it.</summary>
    /// <param name="replyAsync">
    /// Computes the reply; its token fires when the caller gives up or the fake is disposed. Throw
    /// <see cref="UmpException{TErr}"/> to fail the request with an application error.
    /// </param>
    /// <param name="options">The channel's options; <see langword="null"/> for the defaults.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsJustification)]
    public FakeUmpServer(Func<TReq, CancellationToken, ValueTask<TReply>> replyAsync, UmpChannelOptions? options = null)
        : this(FromFunction(replyAsync), errorsFromExceptions: true, options)
    {
    }

    /// <summary>Creates a fake server that passes each request to <paramref name="handler"/>, as a hosted server with a singleton handler would.</summary>
    /// <param name="handler">The handler; its token fires when the caller gives up or the fake is disposed.</param>
    /// <param name="options">The channel's options; <see langword="null"/> for the defaults.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsJustification)]
    public FakeUmpServer(IUmpHandler<TReq, TReply, TErr> handler, UmpChannelOptions? options = null)
        : this(FromHandler(handler), errorsFromExceptions: false, options)
    {
    }

    private FakeUmpServer(HandlerInvoker<TReq, TReply, TErr>? respond, bool errorsFromExceptions, UmpChannelOptions? options)
    {
        _respond = respond;
        _errorsFromExceptions = errorsFromExceptions;
        (_server, Client) = UmpChannel.Create<TReq, TReply, TErr>(options);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Gets the fake's client, to hand to the code under test. It stays usable after the fake is disposed: its requests then fail with <see cref="UmpErrorKind.ServerDisappeared"/>.</summary>
    public Client<TReq, TReply, TErr> Client { get; }

    /// <summary>Gets a snapshot of the requests received so far, in arrival order (a request withdrawn before it was taken is not among them).</summary>
    public IReadOnlyList<TReq> Requests => _requests.Snapshot();

    /// <summary>Creates another client of this fake, owned by the caller, as <see cref="IUmpClientFactory{TReq, TReply, TErr}.CreateClient"/> would.</summary>
    /// <returns>A new client; dispose it when done.</returns>
    /// <exception cref="ObjectDisposedException">The fake has been disposed.</exception>
    public Client<TReq, TReply, TErr> CreateClient()
    {
        ThrowIfDisposed();
        return Client.Clone();
    }

    /// <summary>Scripts the outcome of the next <paramref name="count"/> requests that no earlier script picks.</summary>
    /// <param name="count">How many requests the script takes; at least 1.</param>
    /// <returns>The script: call one of its methods to give the outcome.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The fake has been disposed.</exception>
    public FakeUmpScript<TReq, TReply, TErr> OnNext(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ThrowIfDisposed();
        return new FakeUmpScript<TReq, TReply, TErr>(this, null, count);
    }

    /// <summary>Scripts the outcome of every request <paramref name="predicate"/> accepts and no earlier script picks.</summary>
    /// <param name="predicate">Picks the requests; called on the fake's loop, so it should be quick and free of side effects.</param>
    /// <returns>The script: call one of its methods to give the outcome.</returns>
    /// <exception cref="ObjectDisposedException">The fake has been disposed.</exception>
    public FakeUmpScript<TReq, TReply, TErr> On(Func<TReq, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ThrowIfDisposed();
        return new FakeUmpScript<TReq, TReply, TErr>(this, predicate, null);
    }

    /// <summary>Waits until the fake has received at least <paramref name="count"/> requests, and returns a snapshot of them.</summary>
    /// <param name="count">How many requests to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The requests received so far, at least <paramref name="count"/> of them, in arrival order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="TimeoutException">Fewer requests arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="ObjectDisposedException">The fake was disposed before that many requests arrived.</exception>
    public Task<IReadOnlyList<TReq>> WaitForRequestsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _requests.WaitForAsync(count, timeout, cancellationToken);

    /// <summary>
    /// Stops the fake: queued, held and running requests end with <see cref="UmpErrorKind.ServerDisappeared"/>, running
    /// functions and handlers see their token fire, and later requests fail at once. Does not wait for them to return.
    /// </summary>
    public void Dispose() => Stop();

    /// <summary>As <see cref="Dispose"/>, then waits for the fake's loop to end (it ends at once; running functions and handlers are not waited for).</summary>
    /// <returns>A task that completes when the loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        Stop();
        await _loop.ConfigureAwait(false);
    }

    internal static ObjectDisposedException CreateDisposed() =>
        new(typeof(FakeUmpServer<TReq, TReply, TErr>).Name, "This FakeUmpServer has been disposed. Create a new one for each test; its Client keeps failing with ServerDisappeared, for tests of a server that goes away.");

    internal void ThrowIfDisposed()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                throw CreateDisposed();
            }
        }
    }

    internal void AddScript(Script<TReq, TReply, TErr> script)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                throw CreateDisposed();
            }

            _scripts.Add(script);
        }
    }
}
