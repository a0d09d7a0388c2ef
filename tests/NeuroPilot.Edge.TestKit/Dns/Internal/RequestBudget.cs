namespace NeuroPilot.Edge.Tests.TestKit.Dns.Internal;

/// <summary>
/// Cloudflare's per-token request limit: a fixed window starting at a token's first request; within it, the first
/// <c>budget</c> requests pass and every later one is refused until the window ends. Not thread-safe: the emulator
/// calls it under its lock.
/// </summary>
internal sealed class RequestBudget(int budget, TimeSpan window, TimeProvider time)
{
    private readonly Dictionary<string, (DateTimeOffset Start, int Count)> _windows = [];

    /// <summary>Counts a request; returns null when it may pass, else how long until the window ends.</summary>
    public TimeSpan? TryTake(string token)
    {
        var now = time.GetUtcNow();
        if (!_windows.TryGetValue(token, out var current) || now >= current.Start + window)
        {
            current = (now, 0);
        }

        current.Count++;
        _windows[token] = current;
        return current.Count <= budget ? null : current.Start + window - now;
    }

    public void Reset() => _windows.Clear();
}
