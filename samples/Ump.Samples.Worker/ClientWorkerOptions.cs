using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Ump.Samples.Worker;

/// <summary>Options of <see cref="ClientWorker"/>: the <c>Worker</c> section, and <c>requests</c> (<c>--requests N</c>).</summary>
public sealed class ClientWorkerOptions
{
    /// <summary>Gets or sets how many requests to make before stopping the host; <see langword="null"/> (the default) runs until stopped.</summary>
    [Range(1, int.MaxValue)]
    public int? Requests { get; set; }

    /// <summary>Gets or sets how many client loops run at once; each loop works on keys of its own.</summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Gets or sets the pause between two cycles of a loop when the worker runs until stopped (not with <see cref="Requests"/>).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the SHA-256 rounds per hashing request.</summary>
    [Range(1, HashingHandler.MaxRounds)]
    public int HashRounds { get; set; } = 1000;
}

/// <summary>Validates <see cref="ClientWorkerOptions"/> against its attributes (source-generated).</summary>
[OptionsValidator]
public sealed partial class ClientWorkerOptionsValidator : IValidateOptions<ClientWorkerOptions>;
