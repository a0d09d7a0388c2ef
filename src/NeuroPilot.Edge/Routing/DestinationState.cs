namespace NeuroPilot.Edge.Routing;

/// <summary>
/// One upstream destination of one region of one service. Lives across reloads while the destination stays in
/// the config, so its counters and health survive a reload. Read lock-free on the request path.
/// </summary>
public sealed class DestinationState
{
    private int _inFlight;
    private volatile bool _markedDown;

    public DestinationState(Uri url)
    {
        Url = url;
        Address = url.OriginalString.TrimEnd('/');
        Prefix = url.AbsoluteUri;
    }

    public Uri Url { get; }

    /// <summary>The destination as written in the config, without a trailing slash: the metric label and status key.</summary>
    public string Address { get; }

    /// <summary>The URI prefix the forwarder appends the request path to.</summary>
    public string Prefix { get; }

    /// <summary>Requests now being forwarded to this destination (the load balancer's signal).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Whether the routing table may send new requests here. The seam for health: probes and breakers set
    /// <see cref="MarkedDown"/>; nothing else decides.
    /// </summary>
    public bool IsAvailable => !_markedDown;

    public bool MarkedDown
    {
        get => _markedDown;
        set => _markedDown = value;
    }

    public void OnRequestStarted() => Interlocked.Increment(ref _inFlight);

    public void OnRequestEnded() => Interlocked.Decrement(ref _inFlight);
}
