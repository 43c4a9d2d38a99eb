namespace Ump.Internal;

/// <summary>A request in the queue: the payload and the caller's slot, pinned to the request's token.</summary>
internal readonly record struct QueueItem<TReq, TReply, TErr>(TReq Request, ReplySlot<TReply, TErr> Slot, int Token);
