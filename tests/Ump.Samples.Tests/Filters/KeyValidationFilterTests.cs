using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Ump.Hosting;
using Ump.Samples.KeyValue;
using Ump.Samples.Worker;
using Ump.Testing;

namespace Ump.Samples.Tests.Filters;

/// <summary>The samples' filters on the key-value server, in a real generic host registered as the Worker registers it.</summary>
public sealed class KeyValidationFilterTests
{
    public static TheoryData<KvCommand, KvError> Invalid => new()
    {
        { KvCommand.Get(""), KvError.InvalidKey },
        { KvCommand.Delete(new string('k', KvLimits.MaxKeyLength + 1)), KvError.InvalidKey },
        { new KvCommand(KvOperation.Put, "k", null), KvError.InvalidValue },
        { KvCommand.Put("k", new string('v', KvLimits.MaxValueLength + 1)), KvError.InvalidValue },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task InvalidCommand_FailsBeforeTheStoreSeesIt(KvCommand command, KvError error)
    {
        await using var store = await StoreHost.StartAsync();

        var ex = await Assert.ThrowsAsync<UmpException<KvError>>(() => store.Client.RequestAsync(command).Within());

        Assert.Equal(error, ex.Error);
        Assert.Empty(store.Recorder.Requests);
    }

    [Fact]
    public async Task ValidCommands_PassToTheStore_AtTheLimits()
    {
        await using var store = await StoreHost.StartAsync();
        var key = new string('k', KvLimits.MaxKeyLength);
        var value = new string('v', KvLimits.MaxValueLength);

        var put = await store.Client.RequestAsync(KvCommand.Put(key, value)).Within();
        var get = await store.Client.RequestAsync(KvCommand.Get(key)).Within();

        Assert.True(put.Created);
        Assert.Equal(value, get.Value);
        Assert.Equal([KvCommand.Put(key, value), KvCommand.Get(key)], store.Recorder.Requests);
    }

    [Fact]
    public async Task TimingFilter_RecordsEveryRequest_RefusedOnesToo()
    {
        await using var store = await StoreHost.StartAsync();

        await store.Client.RequestAsync(KvCommand.Put("a", "1")).Within();
        await Assert.ThrowsAsync<UmpException<KvError>>(() => store.Client.RequestAsync(KvCommand.Get("")).Within());

        // Written once the filter's call returns, after the caller has its answer.
        await Bounded.Until(() => TimingRecords().Length == 2, "both requests are timed");
        var records = TimingRecords();
        Assert.All(records, r => Assert.Equal(LogLevel.Debug, r.Level));
        Assert.StartsWith("kv: KvCommand { Operation = Put, Key = a, Value = 1 } answered in ", records[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("kv: KvCommand { Operation = Get, Key = , Value =  } answered in ", records[1].Message, StringComparison.Ordinal);

        FakeLogRecord[] TimingRecords() =>
            [.. store.Logs.GetSnapshot().Where(r => r.Category?.StartsWith("Ump.Samples.Worker.RequestTimingFilter", StringComparison.Ordinal) == true)];
    }

    private sealed class StoreHost : IAsyncDisposable
    {
        private readonly IHost _host;

        private StoreHost(IHost host, UmpRequestRecorder<KvCommand, KvReply, KvError> recorder)
        {
            _host = host;
            Recorder = recorder;
            Client = host.Services.GetRequiredKeyedService<IUmpClientFactory<KvCommand, KvReply, KvError>>("kv").CreateClient();
        }

        public Client<KvCommand, KvReply, KvError> Client { get; }

        /// <summary>What reached the store's handler: the recorder is added after the sample's filters.</summary>
        public UmpRequestRecorder<KvCommand, KvReply, KvError> Recorder { get; }

        public FakeLogCollector Logs => _host.Services.GetRequiredService<FakeLogCollector>();

        public static async Task<StoreHost> StartAsync()
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.SetMinimumLevel(LogLevel.Debug).AddFakeLogging();
            builder.Services.AddOptions<KeyValueStoreOptions>();
            builder.Services.AddUmpServer<KvCommand, KvReply, KvError, KeyValueStoreHandler>("kv", o => o.HandlerLifetime = ServiceLifetime.Singleton)
                .AddFilter<RequestTimingFilter<KvCommand, KvReply, KvError>>()
                .AddFilter<KeyValidationFilter>();
            var recorder = builder.Services.RecordUmpRequests<KvCommand, KvReply, KvError>("kv");
            var host = builder.Build();
            await host.StartAsync().Within();
            return new StoreHost(host, recorder);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _host.StopAsync().Within();
            _host.Dispose();
        }
    }
}
