namespace Ump.Hosting.Internal.Hosting;

internal sealed class UmpClientFactory<TReq, TReply, TErr>(UmpDispatcher<TReq, TReply, TErr> dispatcher) : IUmpClientFactory<TReq, TReply, TErr>
{
    public Client<TReq, TReply, TErr> CreateClient() => dispatcher.CreateClient();
}
