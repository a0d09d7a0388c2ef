namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// Where the edge's request work runs once a socket is ready (<c>Edge.Scheduling</c>, read at start: a change needs a
/// restart).
/// </summary>
public enum IoScheduling
{
    /// <summary>
    /// On the socket event threads themselves, one per core, as nginx's workers run: a request read from a client,
    /// written upstream, answered and relayed without handing work to another thread (Kestrel's
    /// <c>UnsafePreferInlineScheduling</c> on both legs and .NET's inline socket completions). Fewer thread hops and
    /// context switches per request; no code on the request path may block.
    /// </summary>
    Inline,

    /// <summary>.NET's default: socket events are handed to the thread pool, and Kestrel's pipes to I/O queues.</summary>
    ThreadPool,
}
