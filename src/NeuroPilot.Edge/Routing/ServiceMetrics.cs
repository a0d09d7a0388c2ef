using NeuroPilot.Edge.Limits;
using NeuroPilot.Edge.Telemetry;
using Prometheus;

namespace NeuroPilot.Edge.Routing;

/// <summary>Per-service metric children used on the request path, looked up once per routing table.</summary>
public sealed class ServiceMetrics
{
    private readonly Counter.Child[] _retries;
    private readonly Counter.Child?[] _shed;

    public ServiceMetrics(EdgeMetrics metrics, string service)
    {
        var results = Enum.GetValues<AttemptResult>();
        _retries = new Counter.Child[results.Length];
        foreach (var result in results)
        {
            _retries[(int)result] = metrics.Retries.WithLabels(service, result.Label());
        }

        BudgetExhausted = metrics.RetryBudgetExhausted.WithLabels(service);
        var decisions = Enum.GetValues<LimitDecision>();
        _shed = new Counter.Child?[decisions.Length];
        foreach (var decision in decisions)
        {
            if (decision != LimitDecision.Admitted)
            {
                _shed[(int)decision] = metrics.RequestsShed.WithLabels(service, ShedLabel(decision));
            }
        }
    }

    public Counter.Child BudgetExhausted { get; }

    public void RecordRetry(AttemptResult reason) => _retries[(int)reason].Inc();

    /// <summary>A request the service's limits answered without forwarding it.</summary>
    public void RecordShed(LimitDecision decision) => _shed[(int)decision]?.Inc();

    private static string ShedLabel(LimitDecision decision) => decision switch
    {
        LimitDecision.BodyTooLarge => "body_too_large",
        LimitDecision.RateLimited => "rate_limited",
        LimitDecision.OverCapacity => "over_capacity",
        LimitDecision.QueueTimeout => "queue_timeout",
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, "an admitted request is not shed"),
    };
}
