namespace Ump.Benchmarks;

/// <summary>Placeholder, filled in below.</summary>
public static class AllocationProbe
{
    public static int Run() => 0;
}
