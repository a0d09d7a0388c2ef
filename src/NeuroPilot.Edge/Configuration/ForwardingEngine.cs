namespace NeuroPilot.Edge.Configuration;

/// <summary>How the edge forwards a request once the decision layer has chosen its destination (<c>Edge.Engine</c>).</summary>
public enum ForwardingEngine
{
    /// <summary>
    /// The Pipelines HTTP/1.1 engine for HTTP/1.x requests to plain-http HTTP/1.1 destinations (pooled keep-alive
    /// connections, strict response parsing); YARP for everything it does not cover (HTTP/2 clients, upgrades,
    /// <c>https://</c> destinations, <c>UpstreamHttpVersion: http2</c>).
    /// </summary>
    Fast,

    /// <summary>YARP's forwarder for every request (the fallback, and the oracle the fast engine is compared with).</summary>
    Yarp,
}
