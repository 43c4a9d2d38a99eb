using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ump.Hosting.Tests;

/// <summary>The limits of <see cref="UmpServerOptions"/> are inclusive: the extreme values that are allowed pass validation.</summary>
public sealed class OptionsBoundaryTests
{
    /// <summary>The longest due time a timer takes: <c>uint.MaxValue - 1</c> milliseconds.</summary>
    private static readonly TimeSpan s_longestTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    [Fact]
    public void Validate_TimeoutsAtTheLongestTimerDueTime_Valid()
    {
        var options = Get(o =>
        {
            o.RequestTimeout = s_longestTimeout;
            o.ShutdownTimeout = s_longestTimeout;
        });

        Assert.Equal(s_longestTimeout, options.RequestTimeout);
        Assert.Equal(s_longestTimeout, options.ShutdownTimeout);
    }

    [Fact]
    public void Validate_TimeoutsOneTickPastTheLongestTimerDueTime_ThrowsNamingEach()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Get(o =>
        {
            o.RequestTimeout = s_longestTimeout + TimeSpan.FromTicks(1);
            o.ShutdownTimeout = s_longestTimeout + TimeSpan.FromTicks(1);
        }));

        Assert.Collection(
            ex.Failures,
            f => Assert.StartsWith("Ump server 'edge': RequestTimeout must be greater than zero and at most", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Ump server 'edge': ShutdownTimeout must be zero or greater and at most", f, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(LogLevel.Trace)]
    [InlineData(LogLevel.None)]
    public void Validate_LogLevelsAtEitherEnd_Valid(LogLevel level)
    {
        var options = Get(o =>
        {
            o.HandlerExceptionLogLevel = level;
            o.AppErrorLogLevel = level;
        });

        Assert.Equal(level, options.HandlerExceptionLogLevel);
        Assert.Equal(level, options.AppErrorLogLevel);
    }

    [Fact]
    public void Validate_SmallestValues_Valid()
    {
        var options = Get(o =>
        {
            o.MaxConcurrency = 1;
            o.Capacity = 1;
            o.RequestTimeout = TimeSpan.FromTicks(1);
            o.ShutdownTimeout = TimeSpan.Zero;
            o.SlowHandlerThreshold = TimeSpan.FromTicks(1);
        });

        Assert.Equal(1, options.Capacity);
        Assert.Equal(TimeSpan.Zero, options.ShutdownTimeout);
    }

    private static UmpServerOptions Get(Action<UmpServerOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddUmpServer<int, int, NoError, EchoHandler>("edge", configure);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptionsMonitor<UmpServerOptions>>().Get("edge");
    }
}
