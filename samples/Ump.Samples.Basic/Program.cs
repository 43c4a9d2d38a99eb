// The classic ump example: a server thread answers "Hello, {name}!" to its clients.
using Ump;

var (server, client) = UmpChannel.Create<string, string, NoError>();

// The server runs on its own thread, answering until every client is gone.
var serverThread = new Thread(() =>
{
    using (server)
    {
        while (true)
        {
            string name;
            ReplyContext<string, NoError> reply;
            try
            {
                (name, reply) = server.Wait();
            }
            catch (UmpException ex) when (ex.Kind == UmpErrorKind.ClientsDisappeared)
            {
                return;
            }

            reply.Reply($"Hello, {name}!");
        }
    }
});
serverThread.Start();

// A blocking call from this thread...
Console.WriteLine(client.Request("Ump"));

// ... and async calls from a clone, several in flight at once.
using (var clone = client.Clone())
{
    var replies = await Task.WhenAll(
        clone.RequestAsync("thread").AsTask(),
        clone.RequestAsync("task").AsTask());
    foreach (var reply in replies)
    {
        Console.WriteLine(reply);
    }
}

// Disposing the last client lets the server loop end.
client.Dispose();
serverThread.Join();
Console.WriteLine("Server stopped: every client is gone.");
