using NeuroPilot.Edge.Failover;
using Prometheus;

namespace NeuroPilot.Edge.Telemetry;

/// <summary>Per-service metric children used on the request path, looked up once per routing table.</summary>
public sealed class ServiceMetrics
{
    private readonly Counter.Child[] _retries;

    public ServiceMetrics(EdgeMetrics metrics, string service)
    {
        var results = Enum.GetValues<AttemptResult>();
        _retries = new Counter.Child[results.Length];
        foreach (var result in results)
        {
            _retries[(int)result] = metrics.Retries.WithLabels(service, result.Label());
        }

        BudgetExhausted = metrics.RetryBudgetExhausted.WithLabels(service);
    }

    public Counter.Child BudgetExhausted { get; }

    public void RecordRetry(AttemptResult reason) => _retries[(int)reason].Inc();
}
