using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

/// <summary>The records the telemetry observer writes: application errors, collected contexts, slow handlers.</summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task AppErrorLogLevel_Information_FailLoggedAtItWithServerAndRequestType()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new Script { Body = Fail });
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("orders", o => o.AppErrorLogLevel = LogLevel.Information);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("orders").CreateClient();

        await client.RequestAsync(1).FailsWith<UmpException<string>>();
        await host.StopAsync().Within(); // the record is written inside Fail, before the handler returns

        var record = Assert.Single(host.Logs(), r => r.Id.Id == 15);
        Assert.Equal("RequestFailed", record.Id.Name);
        Assert.Equal(LogLevel.Information, record.Level);
        Assert.Equal("orders", record.GetStructuredStateValue("ServerName"));
        Assert.Equal("System.Int32", record.GetStructuredStateValue("RequestType"));
    }

    [Fact]
    public async Task AppErrorLogLevel_None_NoRecord()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new Script { Body = Fail });
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("quiet", o => o.AppErrorLogLevel = LogLevel.None);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("quiet").CreateClient();

        await client.RequestAsync(1).FailsWith<UmpException<string>>();
        await host.StopAsync().Within();

        Assert.DoesNotContain(host.Logs(), r => r.Id.Id == 15);
    }

    [Fact]
    public async Task ReplyContextCollected_HandlerForgotTheContext_WarningNamesServerAndCountsNoReply()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddUmpServer<int, int, NoError, ForgetfulHandler>("forgetful");
        using var host = builder.Build();
        using var requests = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), UmpTelemetry.MeterName, "ump.server.requests");
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, NoError>>("forgetful").CreateClient();

        var request = client.RequestAsync(1).AsTask();
        for (var i = 0; i < 200 && !request.IsCompleted; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.WhenAny(request, Task.Delay(10));
        }

        Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => request.Within())).Kind);
        // Written on the finalizer thread before the caller got NoReply.
        var record = Assert.Single(host.Logs(), r => r.Id.Id == 16);
        Assert.Equal("ReplyContextCollected", record.Id.Name);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal("forgetful", record.GetStructuredStateValue("ServerName"));
        Assert.Equal("System.Int32", record.GetStructuredStateValue("RequestType"));
        Assert.DoesNotContain(host.Logs(), r => r.Level >= LogLevel.Warning && r.Id.Id != 16);

        await requests.WaitForMeasurementsAsync(1, Bounded.Timeout);
        Assert.Equal("no_reply", Assert.Single(requests.GetMeasurementSnapshot()).Tags["ump.request.outcome"]);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task SlowHandlerThreshold_HandlerStillRunning_OneWarningAndOneCountWhileItRuns()
    {
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        var gate = Bounded.NewSignal();
        var script = new Script
        {
            Body = async (request, reply, _) =>
            {
                await gate.Task.WaitAsync(Bounded.Timeout);
                reply.Reply(request);
            },
        };
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("watched", o => o.SlowHandlerThreshold = TimeSpan.FromMilliseconds(250));
        using var host = builder.Build();
        using var slow = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), UmpTelemetry.MeterName, "ump.server.slow_handlers");
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("watched").CreateClient();

        var request = client.RequestAsync(1).AsTask();
        await script.Entered(1);
        time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.DoesNotContain(host.Logs(), r => r.Id.Id == 4);
        time.Advance(TimeSpan.FromMilliseconds(1));

        // The handler is still waiting at its gate.
        Assert.False(request.IsCompleted);
        var record = Assert.Single(host.Logs(), r => r.Id.Id == 4);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal("watched", record.GetStructuredStateValue("ServerName"));
        Assert.Equal("System.Int32", record.GetStructuredStateValue("RequestType"));
        Assert.Equal("250", record.GetStructuredStateValue("ElapsedMilliseconds"));
        Assert.Equal("250", record.GetStructuredStateValue("ThresholdMilliseconds"));

        time.Advance(TimeSpan.FromSeconds(5));
        gate.SetResult();
        Assert.Equal(1, await request.Within());
        await host.StopAsync().Within();

        Assert.Single(host.Logs(), r => r.Id.Id == 4);
        var counted = Assert.Single(slow.GetMeasurementSnapshot());
        Assert.Equal(1, counted.Value);
        Assert.Equal("watched", counted.Tags["ump.server.name"]);
    }

    [Fact]
    public async Task SlowHandlerThreshold_Null_NoWarningNoCount()
    {
        var builder = TestHost.CreateBuilder();
        var time = new FakeTimeProvider();
        var script = new Script
        {
            Body = (request, reply, _) =>
            {
                time.Advance(TimeSpan.FromMinutes(1));
                reply.Reply(request);
                return ValueTask.CompletedTask;
            },
        };
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("unwatched", o => o.SlowHandlerThreshold = null);
        using var host = builder.Build();
        using var slow = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), UmpTelemetry.MeterName, "ump.server.slow_handlers");
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("unwatched").CreateClient();

        Assert.Equal(1, await client.RequestAsync(1).Within());
        await host.StopAsync().Within();

        Assert.DoesNotContain(host.Logs(), r => r.Id.Id == 4);
        Assert.Empty(slow.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task HandlerExceptionLogLevel_None_NoRecordCallerStillGetsTheException()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new Script { Body = (_, _, _) => throw new InvalidOperationException("quiet failure") });
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("quiet", o => o.HandlerExceptionLogLevel = LogLevel.None);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("quiet").CreateClient();

        var ex = await client.RequestAsync(1).FailsWith<UmpException>();
        await host.StopAsync().Within();

        Assert.Equal("quiet failure", ex.InnerException?.Message);
        Assert.DoesNotContain(host.Logs(), r => r.Id.Id == 2);
    }

    [Fact]
    public async Task SlowHandlerThreshold_BeyondTimerRange_NeverReachedRequestsServed()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddSingleton(new Script());
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("patient", o => o.SlowHandlerThreshold = TimeSpan.FromDays(100));
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("patient").CreateClient();

        Assert.Equal(1, await client.RequestAsync(1).Within());
        await host.StopAsync().Within();
    }

    private static ValueTask Fail(int request, ReplyContext<int, string> reply, CancellationToken cancellationToken)
    {
        reply.Fail("no");
        return ValueTask.CompletedTask;
    }
}
