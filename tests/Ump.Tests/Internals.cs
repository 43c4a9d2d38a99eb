using System.Reflection;
using Ump.Internal;

namespace Ump.Tests;

/// <summary>Read-only looks into a channel's state, so tests synchronise on facts instead of timing.</summary>
internal static class Internals
{
    public static int QueueLength<TReq, TReply, TErr>(Server<TReq, TReply, TErr> server) =>
        ((ChannelCore<TReq, TReply, TErr>)typeof(Server<TReq, TReply, TErr>)
            .GetField("_core", BindingFlags.NonPublic | BindingFlags.Instance)!
            .GetValue(server)!).QueueLength;
}
