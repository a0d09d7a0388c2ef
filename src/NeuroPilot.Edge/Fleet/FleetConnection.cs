namespace NeuroPilot.Edge.Fleet;

/// <summary>How a fleet piece stands with etcd.</summary>
public enum FleetConnection
{
    /// <summary>Not yet reached etcd since it started.</summary>
    Connecting,

    /// <summary>The last call to etcd succeeded.</summary>
    Connected,

    /// <summary>The last call to etcd failed; retrying with a capped backoff.</summary>
    Unreachable,

    /// <summary>Stopped by its owner.</summary>
    Stopped,
}
