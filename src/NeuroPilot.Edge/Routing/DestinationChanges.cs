using System.Collections.Concurrent;

namespace NeuroPilot.Edge.Routing;

/// <summary>
/// The destinations that need the health agent's attention: a request began waiting for response headers, or the
/// probes marked the destination down or up. Filled lock-free by <see cref="DestinationState"/> (a destination is
/// listed at most once until the agent takes it and lets it go), drained by the agent's tick, so the tick visits
/// what changed instead of every destination.
/// </summary>
public sealed class DestinationChanges
{
    private readonly ConcurrentQueue<DestinationState> _queue = new();

    /// <summary>Takes the next destination listed since the last take.</summary>
    public bool TryTake([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out DestinationState destination) => _queue.TryDequeue(out destination);

    internal void Add(DestinationState destination) => _queue.Enqueue(destination);
}
