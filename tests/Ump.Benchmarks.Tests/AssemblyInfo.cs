// BenchmarkDotNet runs are not meant to share a process concurrently, and the allocation checks count bytes.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
