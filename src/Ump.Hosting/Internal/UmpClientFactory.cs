namespace Ump.Hosting.Internal;

internal sealed class UmpClientFactory<TReq, TReply, TErr>(UmpServerChannel<TReq, TReply, TErr> channel) : IUmpClientFactory<TReq, TReply, TErr>
{
    public Client<TReq, TReply, TErr> CreateClient() => channel.RootClient.Clone();
}
