namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// The client-side request budget: at most <see cref="Limit"/> requests in any sliding <see cref="Window"/>, every
/// HTTP request counted (retries included). Cloudflare allows 1,200 requests per 5 minutes per token and refuses
/// every call for 5 minutes past that; a fleet sharing a token gives each edge its share of it. Thread-safe.
/// </summary>
internal sealed class RequestBudget
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private readonly Queue<long> _sent = new();
    private readonly TimeProvider _time;

    public RequestBudget(int limit, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _time = time;
    }

    public int Limit { get; }

    /// <summary>Requests sent within the window ending now.</summary>
    public int InWindow
    {
        get
        {
            lock (_gate)
            {
                Expire(_time.GetTimestamp());
                return _sent.Count;
            }
        }
    }

    /// <summary>
    /// Counts one request and returns true when the window has room for it; otherwise counts nothing, returns false
    /// and <paramref name="retryAfter"/> is the time until the oldest request leaves the window.
    /// </summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            Expire(now);
            if (_sent.Count < Limit)
            {
                _sent.Enqueue(now);
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = Window - _time.GetElapsedTime(_sent.Peek(), now);
            return false;
        }
    }

    private void Expire(long now)
    {
        while (_sent.Count > 0 && _time.GetElapsedTime(_sent.Peek(), now) >= Window)
        {
            _sent.Dequeue();
        }
    }
}
