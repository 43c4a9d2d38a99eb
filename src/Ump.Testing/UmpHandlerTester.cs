using System.Diagnostics.CodeAnalysis;
using Ump.Hosting;
using Ump.Testing.Internal;

namespace Ump.Testing;

/// <summary>
/// Runs one request through an <see cref="IUmpHandler{TReq, TReply, TErr}"/> and gives its outcome as a value, with no
/// host and no channel code in the test.
/// </summary>
/// <remarks>
/// <para>
/// The request goes through a real Ump channel: the handler gets a real <see cref="ReplyContext{TReply, TErr}"/>, and its
/// token is the context's <see cref="ReplyContext{TReply, TErr}.RequestAborted"/>. <c>HandleAsync</c> is called on the
/// calling thread and runs until its first incomplete await, as any async method call does.
/// </para>
/// <para>
/// When the handler returns without answering, a full garbage collection tells a deferred answer (the context is still
/// referenced: <see cref="UmpHandlerOutcomeKind.Pending"/>) from a forgotten one (nobody holds it:
/// <see cref="UmpHandlerOutcomeKind.NoReply"/>, which is what the caller of a hosted server gets).
/// </para>
/// </remarks>
public static class UmpHandlerTester
{
    // The overloads differ in their first parameter (a handler or a provider) and their type parameters: no call is ambiguous.
    private const string OverloadsJustification = "Overloads differ in the first parameter and generic arity.";

    /// <summary>Runs <paramref name="request"/> through <paramref name="handler"/> and returns the outcome once <c>HandleAsync</c> has returned.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="handler">The handler to test.</param>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">
    /// Gives up on the request as a caller would (the handler's token fires) and ends the wait with
    /// <see cref="OperationCanceledException"/>. Pass the test framework's token so a handler that never returns fails the test.
    /// </param>
    /// <returns>The outcome; <see cref="UmpHandlerOutcomeKind.Pending"/> when the handler deferred its answer (use <see cref="Start{TReq, TReply, TErr}(IUmpHandler{TReq, TReply, TErr}, TReq)"/> to wait for it).</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsJustification)]
    public static Task<UmpHandlerOutcome<TReply, TErr>> RunAsync<TReq, TReply, TErr>(
        IUmpHandler<TReq, TReply, TErr> handler, TReq request, CancellationToken cancellationToken = default) =>
        WaitForReturnAsync(Start(handler, request), cancellationToken);

    /// <summary>
    /// Creates a <typeparamref name="THandler"/> in a new scope of <paramref name="services"/>, as a hosted server with the
    /// default <c>Scoped</c> lifetime does, runs <paramref name="request"/> through it and returns the outcome once
    /// <c>HandleAsync</c> has returned and the handler and the scope are disposed.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <typeparam name="THandler">The handler class; it needs no registration, only its constructor's dependencies do.</typeparam>
    /// <param name="services">The provider holding the handler's dependencies.</param>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">As for <see cref="RunAsync{TReq, TReply, TErr}(IUmpHandler{TReq, TReply, TErr}, TReq, CancellationToken)"/>.</param>
    /// <returns>The outcome once the handler has returned.</returns>
    /// <exception cref="InvalidOperationException">A constructor dependency of <typeparamref name="THandler"/> is not registered.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsJustification)]
    public static Task<UmpHandlerOutcome<TReply, TErr>> RunAsync<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        IServiceProvider services, TReq request, CancellationToken cancellationToken = default)
        where THandler : class, IUmpHandler<TReq, TReply, TErr> =>
        WaitForReturnAsync(Start<TReq, TReply, TErr, THandler>(services, request), cancellationToken);

    /// <summary>Starts running <paramref name="request"/> through <paramref name="handler"/>, for tests that cancel it or wait for a deferred answer.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="handler">The handler to test.</param>
    /// <param name="request">The request.</param>
    /// <returns>The run, once <c>HandleAsync</c> has reached its first incomplete await (or returned).</returns>
    public static UmpHandlerRun<TReq, TReply, TErr> Start<TReq, TReply, TErr>(IUmpHandler<TReq, TReply, TErr> handler, TReq request)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new UmpHandlerRun<TReq, TReply, TErr>(request, handler.HandleAsync);
    }

    /// <summary>
    /// Creates a <typeparamref name="THandler"/> in a new scope of <paramref name="services"/> and starts running
    /// <paramref name="request"/> through it; the handler and the scope are disposed once <c>HandleAsync</c> returns.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <typeparam name="THandler">The handler class; it needs no registration, only its constructor's dependencies do.</typeparam>
    /// <param name="services">The provider holding the handler's dependencies.</param>
    /// <param name="request">The request.</param>
    /// <returns>The run, once <c>HandleAsync</c> has reached its first incomplete await (or returned).</returns>
    /// <exception cref="InvalidOperationException">A constructor dependency of <typeparamref name="THandler"/> is not registered.</exception>
    public static UmpHandlerRun<TReq, TReply, TErr> Start<TReq, TReply, TErr, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        IServiceProvider services, TReq request)
        where THandler : class, IUmpHandler<TReq, TReply, TErr>
    {
        ArgumentNullException.ThrowIfNull(services);
        return new UmpHandlerRun<TReq, TReply, TErr>(request, ScopedHandlerInvocation<TReq, TReply, TErr, THandler>.Create(services).InvokeAsync);
    }

    /// <summary>
    /// Runs <paramref name="request"/> through <paramref name="filter"/> with <paramref name="handler"/> as its <c>next</c>, as
    /// a server with that one filter does, and returns the outcome once the filter has returned.
    /// </summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="filter">The filter to test.</param>
    /// <param name="handler">What <c>next</c> runs: the handler, or a stand-in that records whether it was reached.</param>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">As for <see cref="RunAsync{TReq, TReply, TErr}(IUmpHandler{TReq, TReply, TErr}, TReq, CancellationToken)"/>.</param>
    /// <returns>The outcome; the context's <see cref="UmpHandlerContext{TReq, TReply, TErr}.ServerName"/> is empty and its <see cref="UmpHandlerContext{TReq, TReply, TErr}.Services"/> has no services.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsJustification)]
    public static Task<UmpHandlerOutcome<TReply, TErr>> RunAsync<TReq, TReply, TErr>(
        IUmpFilter<TReq, TReply, TErr> filter, IUmpHandler<TReq, TReply, TErr> handler, TReq request, CancellationToken cancellationToken = default) =>
        WaitForReturnAsync(Start(filter, handler, request), cancellationToken);

    /// <summary>Starts running <paramref name="request"/> through <paramref name="filter"/> around <paramref name="handler"/>, for tests that cancel it or wait for a deferred answer.</summary>
    /// <typeparam name="TReq">The request type.</typeparam>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TErr">The application error type.</typeparam>
    /// <param name="filter">The filter to test.</param>
    /// <param name="handler">What <c>next</c> runs.</param>
    /// <param name="request">The request.</param>
    /// <returns>The run, once the filter has reached its first incomplete await (or returned).</returns>
    public static UmpHandlerRun<TReq, TReply, TErr> Start<TReq, TReply, TErr>(IUmpFilter<TReq, TReply, TErr> filter, IUmpHandler<TReq, TReply, TErr> handler, TReq request)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(handler);
        return new UmpHandlerRun<TReq, TReply, TErr>(request, new FilteredHandler<TReq, TReply, TErr>(filter, handler).InvokeAsync);
    }

    private static async Task<UmpHandlerOutcome<TReply, TErr>> WaitForReturnAsync<TReq, TReply, TErr>(
        UmpHandlerRun<TReq, TReply, TErr> run, CancellationToken cancellationToken)
    {
        try
        {
            return await run.Returned.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.Cancel();
            throw;
        }
    }
}
