using System.Diagnostics;

namespace Ump.Internal;

/// <summary>
/// Marks a point between two atomic steps of a racing operation, where the schedule-exploring tests may switch
/// to another logical thread. Compiled away unless <c>UMP_SCHEDULING</c> is defined, which only the schedule test
/// project does (it compiles the core's sources itself), so shipped builds contain no trace of it.
/// </summary>
internal static class SchedulePoint
{
#if UMP_SCHEDULING
    /// <summary>The test scheduler's hook; <see langword="null"/> outside a controlled run.</summary>
    internal static Action<string>? Hook;
#endif

    [Conditional("UMP_SCHEDULING")]
    internal static void Reached(string name)
    {
#if UMP_SCHEDULING
        Hook?.Invoke(name);
#endif
    }
}
