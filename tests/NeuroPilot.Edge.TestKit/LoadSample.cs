namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// One request of a <see cref="SteadyLoad"/>: when it was sent and completed (since the load started), its status
/// (0 when there was no response), the region that answered (<c>X-Upstream-Region</c>) and how it ended.
/// </summary>
public sealed record LoadSample(
    int Index,
    TimeSpan SentAt,
    TimeSpan CompletedAt,
    int Status,
    string? Region,
    LoadOutcome Outcome,
    string? Error)
{
    public bool Failed => Outcome != LoadOutcome.Ok;

    public TimeSpan Latency => CompletedAt - SentAt;
}
