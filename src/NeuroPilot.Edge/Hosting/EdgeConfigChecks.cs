using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// The features' config checks, composed here because only the composition root may know every feature. <c>check</c>,
/// start-up, the demo and every reload (<see cref="Routing.EdgeRuntime"/>) load a config through <see cref="All"/>.
/// </summary>
public static class EdgeConfigChecks
{
    public static readonly ConfigCheck All = (config, errors) =>
    {
        JwtKeysFileCheck.Check(config, errors);
        DnsMarkerRoomCheck.Check(config, errors);
    };
}
