using Microsoft.Extensions.DependencyInjection;
using Ump.Hosting.Internal;

namespace Ump.Hosting.Tests;

/// <summary>The registration methods and builder extensions reject missing arguments and foreign builders, naming what is wrong.</summary>
public sealed class ArgumentValidationTests
{
    [Fact]
    public void AddUmpServer_NullServices_ThrowsNamingServices()
    {
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUmpServer<int, int, NoError, EchoHandler>());
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUmpServer<int, int, NoError, EchoHandler>("orders"));
    }

    [Fact]
    public void AddUmpDispatcher_NullServicesOrEmptyName_ThrowsNamingTheArgument()
    {
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUmpDispatcher<int, int, NoError, EchoHandler>("grain"));
        Assert.Throws<ArgumentException>("name", () => new ServiceCollection().AddUmpDispatcher<int, int, NoError, EchoHandler>(""));
        Assert.Throws<ArgumentNullException>("name", () => new ServiceCollection().AddUmpDispatcher<int, int, NoError, EchoHandler>(null!));
    }

    [Fact]
    public void ConfigureUmpServer_NullServicesOrEmptyName_ThrowsNamingTheArgument()
    {
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).ConfigureUmpServer<int, int, NoError>());
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).ConfigureUmpServer<int, int, NoError>("orders"));

        // The unnamed server is registered, so an empty name fails on the argument, not as a lookup of the unnamed server.
        var services = new ServiceCollection();
        services.AddUmpServer<int, int, NoError, EchoHandler>();
        Assert.Throws<ArgumentException>("name", () => services.ConfigureUmpServer<int, int, NoError>(""));
    }

    [Fact]
    public void Configure_NullBuilderOrDelegate_ThrowsNamingTheArgument()
    {
        var builder = new ServiceCollection().AddUmpServer<int, int, NoError, EchoHandler>("orders");

        Assert.Throws<ArgumentNullException>("builder", () => ((IUmpServerBuilder)null!).Configure(_ => { }));
        Assert.Throws<ArgumentNullException>("configure", () => builder.Configure(null!));
    }

    [Fact]
    public void BindConfiguration_NullBuilderOrEmptyPath_ThrowsNamingTheArgument()
    {
        var builder = new ServiceCollection().AddUmpServer<int, int, NoError, EchoHandler>("orders");

        Assert.Throws<ArgumentNullException>("builder", () => ((IUmpServerBuilder)null!).BindConfiguration("Ump:Orders"));
        Assert.Throws<ArgumentException>("configSectionPath", () => builder.BindConfiguration(""));
        Assert.Throws<ArgumentNullException>("configSectionPath", () => builder.BindConfiguration(null!));
    }

    [Fact]
    public void AddFilter_NullBuilder_ThrowsNamingBuilder()
    {
        Assert.Throws<ArgumentNullException>("builder", () => ((IUmpServerBuilder)null!).AddFilter<object>());
    }

    [Fact]
    public void AddFilter_BuilderOfAServerRunningNoHandlersHere_ThrowsSayingWhereFiltersGo()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<ArgumentException>("builder", () => new CallerOnlyBuilder("remote", services).AddFilter<object>());

        Assert.Contains("Ump server 'remote' runs no handlers here", ex.Message, StringComparison.Ordinal);
        Assert.Contains("add them where the server is registered", ex.Message, StringComparison.Ordinal);
        Assert.Empty(services);
    }

    [Fact]
    public void AddFilter_UnnamedForeignBuilder_MessageNamesTheUnnamedServer()
    {
        var ex = Assert.Throws<ArgumentException>("builder", () => new CallerOnlyBuilder("", new ServiceCollection()).AddFilter<object>());

        Assert.Contains("Ump server '(unnamed)' runs no handlers here", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHealthCheck_NullBuilder_ThrowsNamingBuilder()
    {
        Assert.Throws<ArgumentNullException>("builder", () => ((IUmpServerBuilder)null!).AddHealthCheck());
    }

    [Fact]
    public void AddHealthCheck_ForeignBuilder_ThrowsSayingWhichBuilderItTakes()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<ArgumentException>("builder", () => new CallerOnlyBuilder("remote", services).AddHealthCheck());

        Assert.Contains("must be the one AddUmpServer", ex.Message, StringComparison.Ordinal);
        Assert.Empty(services);
    }

    [Fact]
    public void Validate_NullOptions_ThrowsNamingOptions()
    {
        Assert.Throws<ArgumentNullException>("options", () => new UmpServerOptionsValidator().Validate("orders", null!));
    }

    /// <summary>A builder of a server whose handlers run elsewhere (an Orleans caller's, say).</summary>
    private sealed class CallerOnlyBuilder(string name, IServiceCollection services) : IUmpServerBuilder
    {
        public string Name => name;

        public IServiceCollection Services => services;
    }
}
