namespace Ump;

/// <summary>The error type of a channel whose server never fails a request with an application error (Rust's <c>()</c>).</summary>
public readonly struct NoError : IEquatable<NoError>
{
    /// <summary>Compares two values; all <see cref="NoError"/> values are equal.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    /// <returns>Always <see langword="true"/>.</returns>
    public static bool operator ==(NoError left, NoError right) => true;

    /// <summary>Compares two values; all <see cref="NoError"/> values are equal.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    /// <returns>Always <see langword="false"/>.</returns>
    public static bool operator !=(NoError left, NoError right) => false;

    /// <inheritdoc/>
    public bool Equals(NoError other) => true;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NoError;

    /// <inheritdoc/>
    public override int GetHashCode() => 0;

    /// <inheritdoc/>
    public override string ToString() => nameof(NoError);
}
