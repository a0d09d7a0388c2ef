namespace NeuroPilot.Edge.CircuitBreaking;

/// <summary>Breaker states; the numbers are the values of <c>neuropilot_edge_circuit_state</c>.</summary>
public enum CircuitState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}
