namespace Ump.Hosting.Internal.Dispatching;

/// <summary>Disposes what the dispatcher created itself with <c>ActivatorUtilities</c> (handlers, filters): the container does not track those.</summary>
internal static class Disposer
{
    public static ValueTask DisposeAsync(object? instance)
    {
        if (instance is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        (instance as IDisposable)?.Dispose();
        return default;
    }

    public static void Dispose(object? instance)
    {
        switch (instance)
        {
            case IDisposable disposable:
                disposable.Dispose();
                break;
            case IAsyncDisposable asyncDisposable:
                // Disposed synchronously by its owner (a container disposed without DisposeAsync): wait, as the container would not.
                asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                break;
        }
    }
}
