using Ump;
using Ump.Hosting;

// The handlers the registration example names; not shown in README.
public sealed class EmailHandler : IUmpHandler<string, string, NoError>
{
    public ValueTask HandleAsync(string request, ReplyContext<string, NoError> reply, CancellationToken ct)
    {
        reply.Reply($"emailed {request}");
        return default;
    }
}

public sealed class SmsHandler : IUmpHandler<string, string, NoError>
{
    public ValueTask HandleAsync(string request, ReplyContext<string, NoError> reply, CancellationToken ct)
    {
        reply.Reply($"texted {request}");
        return default;
    }
}
