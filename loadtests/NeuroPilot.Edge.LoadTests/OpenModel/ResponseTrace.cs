namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// Every outcome of a run's measured window, one entry per request, for analyses the summary figures cannot do
/// (a drill: which region answered when). Filled by <see cref="RunRecorder"/> under its lock; bounded by the
/// schedule (one entry per scheduled request at most).
/// </summary>
internal sealed class ResponseTrace
{
    private readonly List<TracedOutcome> _outcomes = [];

    /// <summary>A copy of the outcomes, in the order they were recorded.</summary>
    public IReadOnlyList<TracedOutcome> Snapshot()
    {
        lock (_outcomes)
        {
            return [.. _outcomes];
        }
    }

    internal void Add(TracedOutcome outcome)
    {
        lock (_outcomes)
        {
            _outcomes.Add(outcome);
        }
    }
}
