using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Ump.Samples.KeyValue;
using Ump.Samples.WebApi.Controllers;
using Ump.Testing;

namespace Ump.Samples.Tests.Unit;

public sealed class KvUnitTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    #region readme-handler-test
    [Fact]
    public async Task KeyValueStore_GetAfterPut_RepliesWithTheValue()
    {
        var store = new KeyValueStoreHandler(Options.Create(new KeyValueStoreOptions()), NullLogger<KeyValueStoreHandler>.Instance);

        var put = await UmpHandlerTester.RunAsync(store, KvCommand.Put("a", "1"), TestToken);
        var get = await UmpHandlerTester.RunAsync(store, KvCommand.Get("a"), TestToken);
        var missing = await UmpHandlerTester.RunAsync(store, KvCommand.Get("b"), TestToken);

        Assert.True(put.Reply.Created);
        Assert.Equal(new KvReply("a", "1"), get.Reply);
        Assert.Equal(KvError.NotFound, missing.Error);
    }
    #endregion

    #region readme-filter-test
    [Fact]
    public async Task KeyValidationFilter_RefusesAnEmptyKey_BeforeTheStore()
    {
        var store = new KeyValueStoreHandler(Options.Create(new KeyValueStoreOptions()), NullLogger<KeyValueStoreHandler>.Instance);

        var refused = await UmpHandlerTester.RunAsync(new KeyValidationFilter(), store, KvCommand.Put("", "1"), TestToken);
        var passed = await UmpHandlerTester.RunAsync(new KeyValidationFilter(), store, KvCommand.Get("a"), TestToken);

        Assert.Equal(KvError.InvalidKey, refused.Error);
        Assert.Equal(KvError.NotFound, passed.Error); // the store answered
    }
    #endregion

    #region readme-controller-test
    [Fact]
    public async Task KvController_Put_NewKeyIs201_AndTheStoreSawTheCommand()
    {
        await using var store = new FakeUmpServer<KvCommand, KvReply, KvError>(c => new KvReply(c.Key, c.Value!, Created: true));
        var controller = new KvController(store.Client, NullLogger<KvController>.Instance);

        var result = await controller.Put("a", new KvValue("1"), TestToken);

        var created = Assert.IsType<CreatedAtActionResult>(result.Result);
        Assert.Equal(new KvEntry("a", "1"), created.Value);
        Assert.Equal([KvCommand.Put("a", "1")], store.Requests);
    }
    #endregion

    [Fact]
    public async Task KvController_StoreGone_ThrowsServerDisappeared()
    {
        await using var store = new FakeUmpServer<KvCommand, KvReply, KvError>();
        store.OnNext().ServerDisappeared();
        var controller = new KvController(store.Client, NullLogger<KvController>.Instance);

        var ex = await Assert.ThrowsAsync<UmpException>(() => controller.Get("a", TestToken));

        Assert.Equal(UmpErrorKind.ServerDisappeared, ex.Kind);
    }
}
