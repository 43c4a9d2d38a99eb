using System.Diagnostics.CodeAnalysis;

namespace Ump.Internal;

/// <summary>
/// A first-in, first-out queue whose oldest item is a field of the struct, so of the object that holds it. Not
/// thread-safe: it lives under its owner's lock.
/// </summary>
/// <remarks>
/// Used for the waiting servers: nearly always there is at most one, and then a hand-off touches only the owner's own
/// fields (on the lines the sender and the server share anyway) instead of a separate queue object and its array.
/// </remarks>
internal struct InlineFirstQueue<T>
    where T : class
{
    // Invariant: _first is null only when _rest is empty.
    private T? _first;
    private Deque<T>? _rest;

    public readonly int Count => _first is null ? 0 : 1 + (_rest?.Count ?? 0);

    public void Enqueue(T item)
    {
        if (_first is null)
        {
            _first = item;
        }
        else
        {
            (_rest ??= new()).Enqueue(item);
        }
    }

    public bool TryDequeue([NotNullWhen(true)] out T? item)
    {
        item = _first;
        if (item is null)
        {
            return false;
        }

        _first = _rest is not null && _rest.TryDequeue(out var next) ? next : null;
        return true;
    }

    /// <summary>Removes <paramref name="item"/>, keeping the order of the others.</summary>
    public bool Remove(T item)
    {
        if (ReferenceEquals(_first, item))
        {
            return TryDequeue(out _);
        }

        // Stryker disable once Boolean : equivalent; unreachable, the channel removes only a waiting server it knows is queued (IsQueued, under its lock), and with no rest that one is the first.
        return _rest?.Remove(item) ?? false;
    }

    /// <summary>Moves every item, in order, into a new array and empties the queue.</summary>
    public T[] DrainToArray()
    {
        var result = new T[Count];
        for (var i = 0; i < result.Length; i++)
        {
            TryDequeue(out result[i]!);
        }

        return result;
    }
}
