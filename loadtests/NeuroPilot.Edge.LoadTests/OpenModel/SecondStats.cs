namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// One second of the measured window. Requests belong to the second of their intended start, so a stall shows up
/// where it happened; <see cref="Responses"/> is the exception, counted by when the response arrived.
/// </summary>
internal sealed record SecondStats
{
    public required int Second { get; init; }

    public long Scheduled { get; init; }

    public long Sent { get; init; }

    public long Succeeded { get; init; }

    public long Failed { get; init; }

    public long Late { get; init; }

    /// <summary>Responses (any status) that arrived during this second.</summary>
    public long Responses { get; init; }

    /// <summary>Latency percentiles of this second's requests in milliseconds, or null when it had none.</summary>
    public double? P50Ms { get; init; }

    public double? P99Ms { get; init; }

    public double? MaxMs { get; init; }
}
