namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// The outcome of one request of the measured window, as a <see cref="ResponseTrace"/> keeps it. Timestamps are
/// <see cref="System.Diagnostics.Stopwatch"/> timestamps. <see cref="StatusCode"/> is 0 and <see cref="Failure"/>
/// set when there was no response (then <see cref="SentAt"/> is 0 if it was never sent); <see cref="Tag"/> is what
/// the target's tag header said (see <see cref="Http.HttpTarget.WithResponseTag"/>): 1 + the index of its value,
/// 0 absent, -1 another value.
/// </summary>
internal readonly record struct TracedOutcome(long Intended, long SentAt, long EndedAt, int StatusCode, int Tag, FailureKind? Failure)
{
    /// <summary>A 2xx response.</summary>
    public bool Succeeded => StatusCode is >= 200 and < 300;

    /// <summary>Whether the request went out on a connection (with or without a response).</summary>
    public bool WasSent => SentAt != 0;
}
