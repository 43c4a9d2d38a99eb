using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

/// <summary>How the <c>ump.handle</c> activity tells a failed call: <c>error.type</c> and its status, per outcome.</summary>
[Collection(ActivityListenerCollection.Name)]
public sealed class HandleActivityOutcomeTests
{
    [Fact]
    public async Task HandleActivity_HandlerThrows_ErrorTypeIsTheExceptionsFullTypeName()
    {
        using var recorder = new ActivityRecorder();
        var script = new Script { Body = (_, _, _) => throw new ArgumentOutOfRangeException("request", "out of range") };
        using var host = await StartAsync(script);

        var handled = await HandleAsync(host, recorder, client => client.RequestAsync(1).FailsWith<UmpException>());

        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, handled.GetTagItem("error.type"));
        Assert.Equal("no_reply", handled.GetTagItem("ump.request.outcome"));
        Assert.Equal(ActivityStatusCode.Error, handled.Status);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleActivity_AppError_ErrorTypeIsTheOutcomeAndStatusUnset()
    {
        using var recorder = new ActivityRecorder();
        var script = new Script
        {
            Body = (_, reply, _) =>
            {
                reply.Fail("no");
                return ValueTask.CompletedTask;
            },
        };
        using var host = await StartAsync(script);

        var handled = await HandleAsync(host, recorder, client => client.RequestAsync(2).FailsWith<UmpException<string>>());

        Assert.Equal("app_error", handled.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Unset, handled.Status);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleActivity_Reply_NoErrorTypeAndStatusUnset()
    {
        using var recorder = new ActivityRecorder();
        using var host = await StartAsync(new Script());

        var handled = await HandleAsync(host, recorder, client => client.RequestAsync(3).Within());

        Assert.Null(handled.GetTagItem("error.type"));
        Assert.Equal("reply", handled.GetTagItem("ump.request.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, handled.Status);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task HandleActivity_DrainDeadlineAnsweredTheCaller_ServerDisappearedAndStatusError()
    {
        using var recorder = new ActivityRecorder();
        var time = new FakeTimeProvider();
        // Waits for its token, which fires after the deadline answered the caller; the cancellation it throws is no failure.
        var script = new Script { Body = async (_, _, ct) => await Task.Delay(Timeout.InfiniteTimeSpan, ct) };
        var builder = TestHost.CreateBuilder();
        var drains = DrainProbe.AddTo(builder.Services);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("traced", o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("traced").CreateClient();

        ActivityTraceId traceId;
        Task<int> request;
        using (var caller = ActivityRecorder.Caller.StartActivity("caller")!)
        {
            traceId = caller.TraceId;
            request = client.RequestAsync(4).AsTask();
        }

        await script.Entered(4);
        var stop = host.StopAsync();
        await drains.DrainsBegan.Within();
        time.Advance(TimeSpan.FromSeconds(1));
        await stop.Within();
        Assert.Equal(UmpErrorKind.ServerDisappeared, (await Assert.ThrowsAsync<UmpException>(() => request.Within())).Kind);

        var handled = await recorder.Handled(traceId);
        Assert.Equal("server_disappeared", handled.GetTagItem("ump.request.outcome"));
        Assert.Equal("server_disappeared", handled.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, handled.Status);
        Assert.DoesNotContain(handled.Events, e => e.Name == "exception");
    }

    private static async Task<Activity> HandleAsync(IHost host, ActivityRecorder recorder, Func<Client<int, int, string>, Task> send)
    {
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("traced").CreateClient();
        ActivityTraceId traceId;
        using (var caller = ActivityRecorder.Caller.StartActivity("caller")!)
        {
            traceId = caller.TraceId;
            await send(client);
        }

        var handled = await recorder.Handled(traceId);
        Assert.Equal("ump.handle", handled.OperationName);
        Assert.Equal("traced", handled.GetTagItem("ump.server.name"));
        return handled;
    }

    private static async Task<IHost> StartAsync(Script script)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("traced");
        var host = builder.Build();
        await host.StartAsync().Within();
        return host;
    }
}
