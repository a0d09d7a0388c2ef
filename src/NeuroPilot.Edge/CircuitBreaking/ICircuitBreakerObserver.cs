namespace NeuroPilot.Edge.CircuitBreaking;

/// <summary>
/// The one observer of a breaker's transitions (<see cref="CircuitBreaker.Observer"/>), told after a transition, outside
/// the lock. An object that already exists per destination implements it, so 10,000 destinations need no delegate each.
/// </summary>
public interface ICircuitBreakerObserver
{
    void OnBreakerChanged(CircuitState from, CircuitState to, string reason);
}
