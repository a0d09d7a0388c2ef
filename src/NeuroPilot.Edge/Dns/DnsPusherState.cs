namespace NeuroPilot.Edge.Dns;

/// <summary>The DNS pusher's state as <c>/admin/status</c> shows it; <see cref="DnsWireNames"/> spells it.</summary>
public enum DnsPusherState
{
    /// <summary>No <c>Dns</c> section in the config.</summary>
    Disabled,

    /// <summary>Configured, no round finished yet.</summary>
    Starting,

    /// <summary>The last round reached the provider and did what it should.</summary>
    Ok,

    /// <summary>The last round failed (provider error, unexpected exception, or the loop faulted).</summary>
    Failing,

    /// <summary>In a fleet, another edge leads and writes DNS: this edge makes no provider call.</summary>
    Following,

    /// <summary>In a fleet, no leader can be proven (etcd unreachable, or no lease yet): nobody here writes DNS.</summary>
    Paused,
}
