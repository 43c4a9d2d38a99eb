using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ump.Orleans.Tests;

/// <summary>The default JSON codec: web defaults, or the options it is given.</summary>
public sealed class PayloadCodecTests
{
    [Fact]
    public void Default_UsesTheWebDefaults_AndRoundTrips()
    {
        var codec = JsonUmpPayloadCodec.Default;

        var payload = codec.Serialize(new Ask("echo", 7));

        Assert.Equal("""{"op":"echo","id":7}""", Encoding.UTF8.GetString(payload));
        Assert.Equal(new Ask("echo", 7), codec.Deserialize<Ask>(payload));
    }

    [Fact]
    public void GivenOptionsWithoutAResolver_AreUsed_WithReflection()
    {
        var codec = new JsonUmpPayloadCodec(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseUpper });

        var payload = codec.Serialize(new Refusal("gone", 3));

        Assert.Equal("""{"CODE":"gone","ID":3}""", Encoding.UTF8.GetString(payload));
        Assert.Equal(new Refusal("gone", 3), codec.Deserialize<Refusal>(payload));
    }

    [Fact]
    public void GivenOptionsWithAResolver_KeepTheirResolver()
    {
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(static info =>
        {
            foreach (var property in info.Properties)
            {
                property.Name = "x_" + property.Name;
            }
        });
        var codec = new JsonUmpPayloadCodec(new JsonSerializerOptions { TypeInfoResolver = resolver });

        var payload = codec.Serialize(new Ask("echo", 1));

        Assert.Equal("""{"x_Op":"echo","x_Id":1}""", Encoding.UTF8.GetString(payload));
        Assert.Equal(new Ask("echo", 1), codec.Deserialize<Ask>(payload));
    }

    [Fact]
    public void GivenOptions_BecomeReadOnly_SoTheCodecCannotChangeUnderItsServer()
    {
        var options = new JsonSerializerOptions();

        _ = new JsonUmpPayloadCodec(options);

        Assert.True(options.IsReadOnly);
    }
}
