using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Ump.Hosting;

namespace Ump.Orleans.Tests;

/// <summary>
/// A caller's options are checked when its host starts, each with a message that names the server and the rule. A caller
/// whose options hold gets as far as looking for its Orleans client, which these hosts have none of.
/// </summary>
public sealed class CallerOptionsTests
{
    private static readonly TimeSpan s_max = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static TheoryData<TimeSpan?> GoodRequestTimeouts => new() { (TimeSpan?)null, TimeSpan.FromTicks(1), s_max };

    public static TheoryData<TimeSpan> BadRequestTimeouts => new() { TimeSpan.Zero, TimeSpan.FromSeconds(-1), s_max + TimeSpan.FromTicks(1) };

    public static TheoryData<TimeSpan> GoodShutdownTimeouts => new() { TimeSpan.Zero, s_max };

    public static TheoryData<TimeSpan> BadShutdownTimeouts => new() { TimeSpan.FromTicks(-1), s_max + TimeSpan.FromTicks(1) };

    [Theory]
    [MemberData(nameof(GoodRequestTimeouts))]
    public async Task RequestTimeout_NullOrPositiveUpToTheMaximum_IsAccepted(TimeSpan? timeout)
    {
        await AssertAcceptedAsync(o => o.RequestTimeout = timeout);
    }

    [Theory]
    [MemberData(nameof(BadRequestTimeouts))]
    public async Task RequestTimeout_ZeroNegativeOrAboveTheMaximum_FailsAtStart(TimeSpan timeout)
    {
        var message = await StartFailsAsync(o => o.RequestTimeout = timeout);

        Assert.Contains("Ump server 'orders': RequestTimeout must be positive and at most", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    public async Task Capacity_NullOrAtLeastOne_IsAccepted(int? capacity)
    {
        await AssertAcceptedAsync(o => o.Capacity = capacity);
    }

    [Fact]
    public async Task Capacity_Zero_FailsAtStart()
    {
        var message = await StartFailsAsync(o => o.Capacity = 0);

        Assert.Contains("Ump server 'orders': Capacity must be at least 1", message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(GoodShutdownTimeouts))]
    public async Task ShutdownTimeout_ZeroUpToTheMaximum_IsAccepted(TimeSpan timeout)
    {
        await AssertAcceptedAsync(o => o.ShutdownTimeout = timeout);
    }

    [Theory]
    [MemberData(nameof(BadShutdownTimeouts))]
    public async Task ShutdownTimeout_NegativeOrAboveTheMaximum_FailsAtStart(TimeSpan timeout)
    {
        var message = await StartFailsAsync(o => o.ShutdownTimeout = timeout);

        Assert.Contains("Ump server 'orders': ShutdownTimeout must be zero or positive and at most", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnePartition_IsAccepted()
    {
        await AssertAcceptedAsync(_ => { }, o => o.Partitions = 1);
    }

    [Fact]
    public async Task NullCodec_FailsAtStart()
    {
        var message = await StartFailsAsync(_ => { }, o => o.Codec = null!);

        Assert.Contains("Ump server 'orders': Codec must not be null.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACallerWithoutAnOrleansClient_FailsAtStart_SayingWhatToCall()
    {
        using var host = Build(services => services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders"));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.Contains("Ump server 'orders' is called through Orleans, but this host has no Orleans client", ex.Message, StringComparison.Ordinal);
        Assert.Contains("UseOrleansClient", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestTimeout_IsMeasuredWithTheHostsTimeProvider()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(time);
        services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders", o => o.RequestTimeout = TimeSpan.FromMinutes(1));
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredKeyedService<IUmpClientFactory<Ask, Answer, Refusal>>("orders").CreateClient();

        // Not started: the request waits in the caller's queue, and its timeout runs from the send.
        var request = client.RequestAsync(new Ask("echo", 1)).AsTask();
        time.Advance(TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<TimeoutException>(() => request.Within());
        Assert.True(request.IsFaulted, "the bounded wait ran out, not the request's timeout");
    }

    private static async Task AssertAcceptedAsync(Action<UmpServerOptions> configure, Action<UmpOrleansOptions>? orleans = null)
    {
        using var host = Build(services => services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders", configure).ConfigureOrleans(orleans ?? (_ => { })));

        // Past the options: the caller looks for its Orleans client.
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());
        Assert.Contains("no Orleans client", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<string> StartFailsAsync(Action<UmpServerOptions> configure, Action<UmpOrleansOptions>? orleans = null)
    {
        using var host = Build(services => services.AddUmpOrleansClient<Ask, Answer, Refusal>("orders", configure).ConfigureOrleans(orleans ?? (_ => { })));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());
        return ex.Message;
    }

    private static IHost Build(Action<IServiceCollection> register)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        register(builder.Services);
        return builder.Build();
    }
}
