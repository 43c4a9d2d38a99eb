using System.Runtime.InteropServices;

namespace Ump.Hosting.Internal.Dispatching;

/// <summary>
/// The requests whose handler runs now: what the drain deadline answers and what the slow-handler heartbeat walks.
/// The first one lives in a field, so a server that handles one request at a time never touches the dictionary.
/// </summary>
/// <remarks>Not thread-safe: the dispatcher's lock guards it. An entry is removed when its handler returns, so the
/// dispatcher holds no reference to a reply context after that (a context nobody holds must be collectable).</remarks>
internal sealed class RunningRequests<TReply, TErr>
{
    private const long InlineId = 0;

    private Entry _inline;
    private bool _inlineUsed;
    private Dictionary<long, Entry>? _others;
    private long _nextId = InlineId + 1;

    public int Count => (_inlineUsed ? 1 : 0) + (_others?.Count ?? 0);

    /// <summary>Adds a running request and returns its id.</summary>
    public long Add(ReplyContext<TReply, TErr> reply, long started)
    {
        if (!_inlineUsed)
        {
            _inline = new Entry(reply, started);
            _inlineUsed = true;
            return InlineId;
        }

        var id = _nextId++;
        (_others ??= []).Add(id, new Entry(reply, started));
        return id;
    }

    /// <summary>Removes a request whose handler returned.</summary>
    public void Remove(long id)
    {
        if (id == InlineId)
        {
            _inline = default;
            _inlineUsed = false;
        }
        else
        {
            _others!.Remove(id);
        }
    }

    /// <summary>Whether the drain deadline aborted a running request.</summary>
    public bool IsAborted(long id) => id == InlineId ? _inline.Aborted : _others![id].Aborted;

    /// <summary>Marks every running request as aborted and returns their contexts, for the drain deadline to answer.</summary>
    public ReplyContext<TReply, TErr>[] AbortAll()
    {
        var contexts = new ReplyContext<TReply, TErr>[Count];
        var i = 0;
        if (_inlineUsed)
        {
            _inline.Aborted = true;
            contexts[i++] = _inline.Reply;
        }

        if (_others is not null)
        {
            foreach (var id in _others.Keys)
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_others, id);
                entry.Aborted = true;
                contexts[i++] = entry.Reply;
            }
        }

        return contexts;
    }

    /// <summary>
    /// Marks the calls running for at least <paramref name="threshold"/> as reported and adds their start times to
    /// <paramref name="slow"/>; returns how long until the next unreported call reaches it, or null when none runs.
    /// </summary>
    public TimeSpan? CollectSlow(TimeProvider time, long now, TimeSpan threshold, List<long> slow)
    {
        TimeSpan? next = null;
        if (_inlineUsed)
        {
            Check(ref _inline);
        }

        if (_others is not null)
        {
            foreach (var id in _others.Keys)
            {
                Check(ref CollectionsMarshal.GetValueRefOrNullRef(_others, id));
            }
        }

        return next;

        void Check(ref Entry entry)
        {
            if (entry.SlowReported)
            {
                return;
            }

            var elapsed = time.GetElapsedTime(entry.Started, now);
            if (elapsed >= threshold)
            {
                entry.SlowReported = true;
                slow.Add(entry.Started);
            }
            else if (next is null || threshold - elapsed < next)
            {
                next = threshold - elapsed;
            }
        }
    }

    private struct Entry(ReplyContext<TReply, TErr> reply, long started)
    {
        public ReplyContext<TReply, TErr> Reply = reply;
        public long Started = started;
        public bool SlowReported;
        public bool Aborted;
    }
}
