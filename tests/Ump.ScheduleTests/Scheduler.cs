using Ump.Internal;

namespace Ump.ScheduleTests;

/// <summary>
/// Runs a few logical threads one at a time, switching only at the core's schedule points, with every switch
/// chosen by a seeded random generator. The same seed replays the same interleaving; the trace says which it was.
/// </summary>
/// <remarks>
/// Only one logical thread runs at any moment, so the interleavings explored are exactly those the schedule points
/// allow. Points are placed between atomic steps (never inside the channel lock), so a paused thread never holds a
/// lock another one needs. A logical thread that blocks outside a point is reported, not waited for forever.
/// </remarks>
internal sealed class Scheduler
{
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromSeconds(10);

    [ThreadStatic]
    private static Worker? t_worker;

    private readonly Random _random;
    private readonly SemaphoreSlim _toController = new(0);
    private readonly List<string> _trace = [];

    static Scheduler() => SchedulePoint.Hook = static name => t_worker?.Pause(name);

    public Scheduler(int seed) => _random = new Random(seed);

    public IReadOnlyList<string> Trace => _trace;

    public void Run(params (string Name, Action Body)[] bodies)
    {
        var workers = bodies.Select(b => new Worker(this, b.Name, b.Body)).ToList();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        while (workers.Any(w => !w.Done))
        {
            var runnable = workers.Where(w => !w.Done).ToList();
            var next = runnable[_random.Next(runnable.Count)];
            next.Resume();
            if (!_toController.Wait(s_stepTimeout))
            {
                throw new TimeoutException($"'{next.Name}' blocked outside a schedule point. Trace: {string.Join(" > ", _trace)}");
            }
        }

        var failed = workers.FirstOrDefault(w => w.Error is not null);
        if (failed is not null)
        {
            throw new InvalidOperationException($"'{failed.Name}' threw. Trace: {string.Join(" > ", _trace)}", failed.Error);
        }
    }

    private sealed class Worker(Scheduler scheduler, string name, Action body)
    {
        private readonly SemaphoreSlim _go = new(0);

        public string Name { get; } = name;

        public volatile bool Done;

        public Exception? Error { get; private set; }

        public void Start()
        {
            var thread = new Thread(() =>
            {
                _go.Wait();
                t_worker = this;
                try
                {
                    body();
                }
                catch (Exception ex)
                {
                    Error = ex;
                }
                finally
                {
                    t_worker = null;
                    lock (scheduler._trace)
                    {
                        scheduler._trace.Add(Name + ":done");
                    }

                    Done = true;
                    scheduler._toController.Release();
                }
            })
            { IsBackground = true, Name = "schedule:" + Name };
            thread.Start();
        }

        public void Resume() => _go.Release();

        public void Pause(string point)
        {
            lock (scheduler._trace)
            {
                scheduler._trace.Add(Name + "@" + point);
            }

            scheduler._toController.Release();
            if (!_go.Wait(s_stepTimeout))
            {
                throw new TimeoutException($"'{Name}' was never resumed at {point}.");
            }
        }
    }
}
