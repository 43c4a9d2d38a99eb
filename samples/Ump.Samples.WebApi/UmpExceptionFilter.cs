using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Ump.Samples.KeyValue;

namespace Ump.Samples.WebApi;

/// <summary>
/// Maps the outcomes of Ump requests to HTTP responses in one place, so controller actions only call
/// <c>RequestAsync</c> and return the happy path:
/// <list type="bullet">
/// <item>the store's application errors (<see cref="UmpException{TErr}"/> of <see cref="KvError"/>): 404 for
/// <see cref="KvError.NotFound"/>, 400 for the input errors the model validation should already have caught;</item>
/// <item>the store is gone (<see cref="UmpErrorKind.ServerDisappeared"/>, e.g. the host is shutting down), it did not answer
/// (<see cref="UmpErrorKind.NoReply"/>, e.g. the handler threw), or it did not answer in time (<see cref="TimeoutException"/>,
/// the server's <c>RequestTimeout</c>): 503 with a problem-details body.</item>
/// </list>
/// An <see cref="OperationCanceledException"/> (the HTTP client went away) is left to ASP.NET Core.
/// </summary>
public sealed partial class UmpExceptionFilter(ProblemDetailsFactory problems, ILogger<UmpExceptionFilter> logger) : IExceptionFilter
{
    public void OnException(ExceptionContext context)
    {
        var (status, title) = context.Exception switch
        {
            UmpException<KvError> { Error: KvError.NotFound } => (StatusCodes.Status404NotFound, "The key was not found."),
            UmpException<KvError> { Error: KvError.InvalidKey } => (StatusCodes.Status400BadRequest, "The key is not valid."),
            UmpException<KvError> { Error: KvError.InvalidValue } => (StatusCodes.Status400BadRequest, "The value is not valid."),
            UmpException { Kind: UmpErrorKind.ServerDisappeared } => (StatusCodes.Status503ServiceUnavailable, "The store is not available."),
            UmpException { Kind: UmpErrorKind.NoReply } => (StatusCodes.Status503ServiceUnavailable, "The store did not answer."),
            TimeoutException => (StatusCodes.Status503ServiceUnavailable, "The store did not answer in time."),
            _ => (0, null),
        };
        if (status == 0)
        {
            return; // not ours: the exception handler middleware answers 500
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            LogUnavailable(logger, context.HttpContext.Request.Method, context.HttpContext.Request.Path, context.Exception);
        }

        var problem = problems.CreateProblemDetails(context.HttpContext, status, title);
        context.Result = new ObjectResult(problem) { StatusCode = status, ContentTypes = { "application/problem+json" } };
        context.ExceptionHandled = true;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Method} {Path}: 503, the key-value store is unavailable")]
    private static partial void LogUnavailable(ILogger logger, string method, PathString path, Exception exception);
}
