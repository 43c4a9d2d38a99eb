using System.Globalization;

namespace Ump.Testing;

/// <summary>
/// What one handler did with one request, as a value a test can assert on: see <see cref="Kind"/>, then read
/// <see cref="Reply"/>, <see cref="Error"/> or <see cref="Exception"/>.
/// </summary>
/// <typeparam name="TReply">The reply type.</typeparam>
/// <typeparam name="TErr">The application error type.</typeparam>
public sealed class UmpHandlerOutcome<TReply, TErr>
{
    private readonly TReply? _reply;
    private readonly TErr? _error;
    private readonly Exception? _exception;

    private UmpHandlerOutcome(UmpHandlerOutcomeKind kind, TReply? reply, TErr? error, Exception? exception)
    {
        Kind = kind;
        _reply = reply;
        _error = error;
        _exception = exception;
    }

    /// <summary>Gets how the handler dealt with the request.</summary>
    public UmpHandlerOutcomeKind Kind { get; }

    /// <summary>Gets the reply the handler sent.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is not <see cref="UmpHandlerOutcomeKind.Replied"/>.</exception>
    public TReply Reply => Kind == UmpHandlerOutcomeKind.Replied ? _reply! : throw WrongKind(nameof(Reply), UmpHandlerOutcomeKind.Replied);

    /// <summary>Gets the application error the handler failed the request with.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is not <see cref="UmpHandlerOutcomeKind.Failed"/>.</exception>
    public TErr Error => Kind == UmpHandlerOutcomeKind.Failed ? _error! : throw WrongKind(nameof(Error), UmpHandlerOutcomeKind.Failed);

    /// <summary>
    /// Gets the exception of an outcome without an answer: what the handler threw (<see cref="UmpHandlerOutcomeKind.Threw"/>);
    /// the <see cref="UmpException"/> the caller got (<see cref="UmpHandlerOutcomeKind.NoReply"/>, its inner exception being
    /// the reason the handler gave, if any); the <see cref="OperationCanceledException"/> the handler threw, or else the
    /// caller's (<see cref="UmpHandlerOutcomeKind.Canceled"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is Replied, Failed or Pending.</exception>
    public Exception Exception => _exception ?? throw WrongKind(nameof(Exception), UmpHandlerOutcomeKind.Threw, UmpHandlerOutcomeKind.NoReply, UmpHandlerOutcomeKind.Canceled);

    /// <summary>Describes the outcome, such as <c>Replied: 42</c> or <c>Threw: System.InvalidOperationException: ...</c>, for assertion messages.</summary>
    /// <returns>The kind, followed by the reply, the error or the exception.</returns>
    public override string ToString() => Kind switch
    {
        UmpHandlerOutcomeKind.Replied => string.Create(CultureInfo.InvariantCulture, $"Replied: {Describe(_reply)}"),
        UmpHandlerOutcomeKind.Failed => string.Create(CultureInfo.InvariantCulture, $"Failed: {Describe(_error)}"),
        UmpHandlerOutcomeKind.Pending => "Pending: the handler returned and holds the reply context to answer later",
        _ => $"{Kind}: {_exception!.GetType()}: {_exception.Message}",
    };

    internal static UmpHandlerOutcome<TReply, TErr> Replied(TReply reply) => new(UmpHandlerOutcomeKind.Replied, reply, default, null);

    internal static UmpHandlerOutcome<TReply, TErr> Failed(TErr error) => new(UmpHandlerOutcomeKind.Failed, default, error, null);

    internal static UmpHandlerOutcome<TReply, TErr> NoReply(UmpException exception) => new(UmpHandlerOutcomeKind.NoReply, default, default, exception);

    internal static UmpHandlerOutcome<TReply, TErr> Threw(Exception exception) => new(UmpHandlerOutcomeKind.Threw, default, default, exception);

    internal static UmpHandlerOutcome<TReply, TErr> Canceled(OperationCanceledException exception) => new(UmpHandlerOutcomeKind.Canceled, default, default, exception);

    internal static UmpHandlerOutcome<TReply, TErr> Pending { get; } = new(UmpHandlerOutcomeKind.Pending, default, default, null);

    private static string Describe(object? value) => value?.ToString() ?? "null";

    private InvalidOperationException WrongKind(string property, params UmpHandlerOutcomeKind[] expected) =>
        new($"{property} is available only when Kind is {string.Join(" or ", expected)}, but this outcome is {this}. Check Kind first, or assert on ToString().");
}
