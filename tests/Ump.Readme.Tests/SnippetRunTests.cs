using Ump.Readme.Snippets;

namespace Ump.Readme;

/// <summary>The README's examples that can run on their own do what the README says.</summary>
public sealed class SnippetRunTests
{
    [Fact]
    public async Task OwnDispatcher_StartsServesAndDrains()
    {
        var inventory = new CountingInventory();

        await OwnDispatcher.RunAsync(inventory).Within();

        Assert.Equal(1, inventory.Reservations);
    }

    private sealed class CountingInventory : IInventory
    {
        private int _reservations;

        public int Reservations => Volatile.Read(ref _reservations);

        public ValueTask<bool> TryReserveAsync(string sku, int quantity, CancellationToken ct)
        {
            Interlocked.Increment(ref _reservations);
            return ValueTask.FromResult(true);
        }
    }
}
