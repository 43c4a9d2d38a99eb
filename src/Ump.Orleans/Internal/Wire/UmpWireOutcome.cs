namespace Ump.Orleans.Internal.Wire;

/// <summary>How a remote request ended; each maps to the outcome an in-process caller would get.</summary>
[GenerateSerializer]
[Alias("Ump.Orleans.Outcome")]
internal enum UmpWireOutcome
{
    /// <summary>The handler replied; the payload is the reply.</summary>
    Replied = 0,

    /// <summary>The handler failed the request with an application error; the payload is the error.</summary>
    Failed = 1,

    /// <summary>No answer is coming (NoReply); the reason's type and message travel instead of the exception.</summary>
    NoReply = 2,

    /// <summary>The remote server refused the request before taking it (it is draining): safe to send again.</summary>
    Refused = 3,

    /// <summary>The remote server went away after taking the request (ServerDisappeared).</summary>
    ServerDisappeared = 4,

    /// <summary>The remote server's own request timeout passed.</summary>
    TimedOut = 5,
}
