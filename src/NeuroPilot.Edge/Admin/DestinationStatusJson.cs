using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Admin;

/// <summary>One destination of a region in <c>/admin/status</c>.</summary>
/// <param name="Available">Whether it may take new requests (up and breaker closed).</param>
/// <param name="Health"><c>up</c>, <c>down</c>, or <c>unknown</c> before the first probe.</param>
/// <param name="Breaker"><c>closed</c>, <c>half-open</c> or <c>open</c>.</param>
/// <param name="LastProbe">Null before the first probe.</param>
public sealed record DestinationStatusJson(string Address, bool Available, string Health, string Breaker, int InFlight, ProbeStatusJson? LastProbe)
{
    public static DestinationStatusJson From(DestinationState destination)
    {
        var probe = destination.LastProbe;
        return new DestinationStatusJson(
            destination.Address,
            destination.IsAvailable,
            probe is null ? "unknown" : destination.MarkedDown ? "down" : "up",
            BreakerName(destination.Breaker.State),
            destination.InFlight,
            probe is null ? null : ProbeStatusJson.From(probe));
    }

    private static string BreakerName(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.HalfOpen => "half-open",
        _ => "open",
    };
}
