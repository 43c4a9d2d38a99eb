namespace Ump.Internal;

/// <summary>A growable ring buffer. Not thread-safe: every instance lives under its owner's lock.</summary>
/// <remarks>Slots are cleared on removal so that the buffer never keeps a request or waiter alive.</remarks>
internal sealed class Deque<T>
{
    private T[] _array = [];
    private int _head;
    private int _count;

    public int Count => _count;

    public void Enqueue(T item)
    {
        if (_count == _array.Length)
        {
            Grow();
        }

        _array[(_head + _count) % _array.Length] = item;
        _count++;
    }

    public bool TryDequeue(out T item)
    {
        if (_count == 0)
        {
            item = default!;
            return false;
        }

        item = _array[_head];
        _array[_head] = default!;
        _head = (_head + 1) % _array.Length;
        _count--;
        return true;
    }

    /// <summary>Removes the first occurrence of <paramref name="item"/>, keeping the order of the others.</summary>
    public bool Remove(T item)
    {
        var comparer = EqualityComparer<T>.Default;
        // Stryker disable once Equality : the <= mutants of both loop bounds are equivalent; the search then also compares the slot past the end (cleared, or in a full buffer the head, compared first), and the shift also copies into the last slot, which the next line clears.
        for (var i = 0; i < _count; i++)
        {
            if (comparer.Equals(_array[(_head + i) % _array.Length], item))
            {
                for (var j = i; j < _count - 1; j++)
                {
                    _array[(_head + j) % _array.Length] = _array[(_head + j + 1) % _array.Length];
                }

                _array[(_head + _count - 1) % _array.Length] = default!;
                _count--;
                return true;
            }
        }

        // Stryker disable once Boolean : equivalent; unreachable, the channel removes only a waiting server it knows is queued (IsQueued, under its lock), so the search always finds it.
        return false;
    }

    public void Clear()
    {
        while (TryDequeue(out _))
        {
        }
    }

    private void Grow()
    {
        var bigger = new T[Math.Max(4, _array.Length * 2)];
        for (var i = 0; i < _count; i++)
        {
            bigger[i] = _array[(_head + i) % _array.Length];
        }

        _array = bigger;
        _head = 0;
    }
}
