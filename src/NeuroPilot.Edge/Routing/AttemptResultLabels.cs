namespace NeuroPilot.Edge.Routing;

/// <summary>The snake_case word of an <see cref="AttemptResult"/>: the <c>reason</c> label of metrics, the reason a breaker gives.</summary>
public static class AttemptResultLabels
{
    public static string Label(this AttemptResult result) => result switch
    {
        AttemptResult.ConnectFailure => "connect_failure",
        AttemptResult.Reset => "reset",
        AttemptResult.PerTryTimeout => "per_try_timeout",
        AttemptResult.Timeout => "timeout",
        AttemptResult.FailureStatus => "failure_status",
        AttemptResult.ResponseFailure => "response_failure",
        AttemptResult.InvalidResponse => "invalid_response",
        AttemptResult.ClientFailure => "client",
        AttemptResult.RequestRejected => "request_rejected",
        _ => "success",
    };
}
