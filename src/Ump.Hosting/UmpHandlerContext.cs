using Microsoft.Extensions.DependencyInjection;

namespace Ump.Hosting;

/// <summary>One request on its way through a server's filters to its handler.</summary>
/// <typeparam name="TReq">The request type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
/// <remarks>
/// Valid only while the filter call it was given to runs: the dispatcher reuses it for a later request once the pipeline
/// returns, as ASP.NET Core reuses an <c>HttpContext</c>. Code that answers after that keeps <see cref="Reply"/> (a
/// <see cref="ReplyContext{TReply, TErr}"/> never answers another request), not the context.
/// </remarks>
public sealed class UmpHandlerContext<TReq, TReply, TErr>
{
    private IServiceProvider? _services;

    internal UmpHandlerContext(string serverName) => ServerName = serverName;

    /// <summary>Gets the server's name: its options name and service key.</summary>
    /// <value><see cref="Microsoft.Extensions.Options.Options.DefaultName"/> (an empty string) for the unnamed server.</value>
    public string ServerName { get; }

    /// <summary>Gets the request.</summary>
    public TReq Request { get; private set; } = default!;

    /// <summary>Gets the context that answers the request, exactly once: <see cref="ReplyContext{TReply, TErr}.Reply"/> or <see cref="ReplyContext{TReply, TErr}.Fail"/>.</summary>
    public ReplyContext<TReply, TErr> Reply { get; private set; }

    /// <summary>Gets the handler's token: it fires when the caller gives up, or when the drain deadline passes during shutdown.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>Gets the services of the request: its DI scope, or the root provider for a <see cref="ServiceLifetime.Singleton"/> handler.</summary>
    /// <exception cref="InvalidOperationException">The context is used after its filter call returned.</exception>
    public IServiceProvider Services => _services ?? throw new InvalidOperationException(
        "This UmpHandlerContext is no longer valid: its filter call returned, and the dispatcher reuses it. Keep context.Reply to answer later, not the context.");

    internal void Initialize(TReq request, ReplyContext<TReply, TErr> reply, CancellationToken cancellationToken, IServiceProvider services)
    {
        Request = request;
        Reply = reply;
        CancellationToken = cancellationToken;
        _services = services;
    }

    /// <summary>Lets go of the request, so a context nobody answers can still be collected (its caller then gets NoReply).</summary>
    internal void Reset()
    {
        Request = default!;
        Reply = default;
        CancellationToken = default;
        _services = null;
    }
}
