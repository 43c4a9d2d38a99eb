using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ump.Hosting.Tests;

/// <summary>The record that ends a drain counts what the requests that ended during it got.</summary>
public sealed class DrainRecordTests
{
    [Fact]
    public async Task DrainCompleted_RequestsEndingDuringTheDrain_CountedAsAnsweredGivenUpAndUnanswered()
    {
        var builder = TestHost.CreateBuilder();
        var drains = DrainProbe.AddTo(builder.Services);
        var gate = Bounded.NewSignal();
        var script = new Script
        {
            Body = async (request, reply, ct) =>
            {
                switch (request)
                {
                    case 1:
                        await gate.Task.WaitAsync(Bounded.Timeout);
                        reply.Reply(request);
                        break;
                    case 2:
                        await gate.Task.WaitAsync(Bounded.Timeout);
                        reply.Fail("refused");
                        break;
                    case 3:
                        await gate.Task.WaitAsync(Bounded.Timeout);
                        throw new InvalidOperationException("handler failed");
                    default:
                        await Task.Delay(Timeout.InfiniteTimeSpan, ct); // until its caller gives up
                        break;
                }
            },
        };
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        builder.Services.AddSingleton(script);
        builder.Services.AddUmpServer<int, int, string, ScriptedHandler>("drained", o => o.MaxConcurrency = 4);
        using var host = builder.Build();
        await host.StartAsync().Within();
        using var client = host.Services.GetRequiredKeyedService<IUmpClientFactory<int, int, string>>("drained").CreateClient();
        using var cts = new CancellationTokenSource();
        var replied = client.RequestAsync(1).AsTask();
        var failed = client.RequestAsync(2).AsTask();
        var threw = client.RequestAsync(3).AsTask();
        var canceled = client.RequestAsync(4, cts.Token).AsTask();
        foreach (var request in new[] { 1, 2, 3, 4 })
        {
            await script.Entered(request);
        }

        var stop = host.StopAsync();
        await drains.DrainsBegan.Within();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Within());
        gate.SetResult();
        await stop.Within();

        Assert.Equal(1, await replied.Within());
        Assert.Equal("refused", (await Assert.ThrowsAsync<UmpException<string>>(() => failed.Within())).Error);
        Assert.Equal(UmpErrorKind.NoReply, (await Assert.ThrowsAsync<UmpException>(() => threw.Within())).Kind);
        var record = Assert.Single(host.Logs(), r => r.Id.Name == "DrainCompleted");
        Assert.Equal("2", record.GetStructuredStateValue("AnsweredCount"));
        Assert.Equal("1", record.GetStructuredStateValue("GivenUpCount"));
        Assert.Equal("1", record.GetStructuredStateValue("UnansweredCount"));
        Assert.Equal("drained", record.GetStructuredStateValue("ServerName"));
    }
}
