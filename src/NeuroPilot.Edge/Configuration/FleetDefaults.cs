namespace NeuroPilot.Edge.Configuration;

public static class FleetDefaults
{
    public const string Prefix = "/neuropilot-edge/";
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(5);

    /// <summary>etcd grants whole seconds; under 2 s one missed keep-alive would end the lease.</summary>
    public static readonly TimeSpan MinLeaseTtl = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan MaxLeaseTtl = TimeSpan.FromSeconds(60);

    /// <summary>An edge id is one DNS label long at most, so it can name a host, a key segment and a metric label value.</summary>
    public const int MaxEdgeIdLength = 63;
}
