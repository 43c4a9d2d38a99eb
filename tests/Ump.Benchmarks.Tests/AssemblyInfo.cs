// BenchmarkDotNet runs are not meant to share a process concurrently, and the allocation checks count bytes.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
