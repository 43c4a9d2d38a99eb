namespace Ump.Internal;

/// <summary>
/// A small lock-free pool: one fast field for the common one-at-a-time case, then a fixed array.
/// Rent returns <see langword="null"/> when empty; Return drops the item when full.
/// </summary>
/// <remarks>
/// Every slot is claimed with <see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/>, so an item is
/// handed to exactly one renter. Pooled objects guard against stale users with their own version tokens;
/// the pool itself only guarantees exclusive hand-out.
/// </remarks>
internal sealed class ObjectPool<T>
    where T : class
{
    private readonly T?[] _items;
    private T? _fast;

    public ObjectPool(int size) => _items = new T?[size];

    public T? Rent()
    {
        var item = _fast;
        if (item is not null && Interlocked.CompareExchange(ref _fast, null, item) == item)
        {
            return item;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            item = items[i];
            if (item is not null && Interlocked.CompareExchange(ref items[i], null, item) == item)
            {
                return item;
            }
        }

        return null;
    }

    public bool Return(T item)
    {
        if (_fast is null && Interlocked.CompareExchange(ref _fast, item, null) is null)
        {
            return true;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i] is null && Interlocked.CompareExchange(ref items[i], item, null) is null)
            {
                return true;
            }
        }

        // Stryker disable once Boolean : equivalent; the result only decides whether a dropped object's finalizer is suppressed, and a dropped responder (claimed) or waiter (reset) gives its finalizer nothing to do.
        return false;
    }
}
