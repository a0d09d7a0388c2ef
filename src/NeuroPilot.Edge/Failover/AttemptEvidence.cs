using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Failover;

/// <summary>
/// What one attempt's outcome tells its destination's breaker: an answer is a success, the upstream's failures are
/// failures, and what the client caused (it went away, it sent a request the edge could not build) is nothing at all.
/// </summary>
public static class AttemptEvidence
{
    public static void Record(DestinationState destination, AttemptResult result)
    {
        if (result == AttemptResult.Success)
        {
            destination.Breaker.OnSuccess();
        }
        else if (AttemptClassifier.IsUpstreamsDoing(result))
        {
            destination.Breaker.OnFailure(result.Label());
        }
    }
}
