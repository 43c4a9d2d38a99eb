using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Ump.Hosting;

namespace Ump.Orleans.Tests;

/// <summary>Silos that die or stop under load, each test on a cluster of its own.</summary>
public sealed class FailoverTests
{
    private const string Server = "kv";
    private const string Counter = "counter";
    private static readonly TimeSpan s_responseTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task SiloKilledDuringABurstOf64Callers_EveryRequestGetsOneOutcome_AndLaterRequestsSucceed()
    {
        await using var cluster = await StartAsync(partitions: 8);
        var factory = cluster.Client.ServiceProvider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>(Server);
        using var client = factory.CreateClient();
        var victim = cluster.Silos[1];
        var killAfter = Bounded.NewSignal();
        var completed = 0;
        var longest = TimeSpan.Zero;

        // 64 callers, 30 requests each: a reply or ServerDisappeared is the only acceptable outcome of each.
        async Task<(int Replies, int Gone, List<string> Wrong)> Caller(int caller)
        {
            var (replies, gone, wrong) = (0, 0, new List<string>());
            for (var i = 0; i < 30; i++)
            {
                var id = Probe.NewId();
                var clock = Stopwatch.StartNew();
                try
                {
                    var answer = await client.RequestAsync(new Ask("echo", id)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                    if (answer.Id == id)
                    {
                        replies++;
                    }
                    else
                    {
                        wrong.Add($"caller {caller}: reply {answer.Id} for {id}");
                    }
                }
                catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared)
                {
                    gone++;
                }
                catch (Exception ex)
                {
                    wrong.Add($"caller {caller}: {ex.GetType().Name}: {ex.Message}");
                }

                lock (client)
                {
                    longest = clock.Elapsed > longest ? clock.Elapsed : longest;
                }

                if (Interlocked.Increment(ref completed) == 200)
                {
                    killAfter.TrySetResult();
                }
            }

            return (replies, gone, wrong);
        }

        var callers = Enumerable.Range(0, 64).Select(c => Task.Run(() => Caller(c))).ToArray();
        await killAfter.Task.Within();
        await cluster.KillSiloAsync(victim).Within();
        var results = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Empty(results.SelectMany(r => r.Wrong));
        Assert.Equal(64 * 30, results.Sum(r => r.Replies + r.Gone));
        Assert.True(longest < TimeSpan.FromSeconds(30), $"longest wait {longest}");

        // Once the cluster has noticed, every partition answers from the survivor: bounded in attempts and in time.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var round = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Outcome(client))).WaitAsync(TimeSpan.FromSeconds(60));
            if (round.All(r => r == "reply"))
            {
                break;
            }

            Assert.All(round, r => Assert.Contains(r, new[] { "reply", "gone" }));
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), "requests after the kill never all succeeded");
        }
    }

    [Fact]
    public async Task SiloStopsWithARequestInFlight_TheHandlerFinishes_AndTheCallerGetsItsReply()
    {
        await using var cluster = await StartAsync(partitions: 1);
        var factory = cluster.Client.ServiceProvider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>(Server);
        using var client = factory.CreateClient();

        // Find the silo that hosts the one partition, then stop it while a request waits in its handler.
        var where = (await client.RequestAsync(new Ask("echo", Probe.NewId())).Within()).Silo;
        var host = cluster.Silos.Single(s => s.SiloAddress.ToParsableString() == where);
        var id = Probe.NewId();
        var call = client.RequestAsync(new Ask("wait", id)).AsTask();
        await Probe.Entered(id).Task.Within();

        var stop = cluster.StopSiloAsync(host);
        Probe.Release(id).SetResult();

        Assert.Equal(id, (await call.Within()).Id);
        await stop.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task SingletonHandlersSiloDies_ItsStateStartsOverOnTheSurvivor()
    {
        await using var cluster = await StartAsync(partitions: 1, counter: true);
        var factory = cluster.Client.ServiceProvider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>(Counter);
        using var client = factory.CreateClient();

        // One activation, one singleton handler: its count goes on from request to request.
        var first = await client.RequestAsync(new Ask("count", 0)).Within();
        var second = await client.RequestAsync(new Ask("count", 0)).Within();
        Assert.Equal((1, 2), (first.Id, second.Id));
        Assert.Equal(first.Silo, second.Silo);

        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloAddress.ToParsableString() == first.Silo)).Within();

        // The state lived in the dead activation: the next reply comes from a new handler on the survivor, counting from 1.
        // Requests on their way when the silo died come back as ServerDisappeared; bounded in attempts and in time.
        Answer? after = null;
        var deadline = Stopwatch.StartNew();
        for (var attempt = 0; after is null; attempt++)
        {
            Assert.True(attempt < 100 && deadline.Elapsed < TimeSpan.FromSeconds(60), "no reply from the survivor");
            try
            {
                after = await client.RequestAsync(new Ask("count", 0)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared)
            {
                await Task.Yield();
            }
        }

        Assert.NotEqual(first.Silo, after.Silo);
        Assert.Equal(1, after.Id);
    }

    private static async Task<string> Outcome(Client<Ask, Answer, Refusal> client)
    {
        try
        {
            await client.RequestAsync(new Ask("echo", Probe.NewId()));
            return "reply";
        }
        catch (UmpException ex) when (ex.Kind == UmpErrorKind.ServerDisappeared)
        {
            return "gone";
        }
        catch (Exception ex)
        {
            return ex.GetType().Name + ": " + ex.Message;
        }
    }

    private static async Task<InProcessTestCluster> StartAsync(int partitions, bool counter = false)
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = s_responseTimeout);
            silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, TestHandler>(Server, o => o.MaxConcurrency = 16).ConfigureOrleans(o => o.Partitions = partitions);
            if (counter)
            {
                silo.Services.AddUmpOrleansServer<Ask, Answer, Refusal, CountingHandler>(Counter, o => o.HandlerLifetime = ServiceLifetime.Singleton);
            }
        });
        builder.ConfigureClient(client =>
        {
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = s_responseTimeout);
            client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Server).ConfigureOrleans(o => o.Partitions = partitions);
            if (counter)
            {
                client.Services.AddUmpOrleansClient<Ask, Answer, Refusal>(Counter);
            }
        });
        var cluster = builder.Build();
        await cluster.DeployAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return cluster;
    }
}
