using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Failover;

/// <summary>
/// The per-request forwarding state that the transformer needs to see (set as an HttpContext feature): the
/// destination of the current attempt, whether its response headers came, its per-try timeout, the destinations
/// already tried. Pooled: one per request in flight, reused.
/// </summary>
public sealed class ForwardAttempt
{
    public const int MaxTried = 10;

    private readonly DestinationState?[] _tried = new DestinationState?[MaxTried];
    private readonly TimeProvider _time;
    private CancellationTokenSource? _perTry;
    private bool _perTryArmed;
    private long _startedAt;
    private int _triedCount;

    public ForwardAttempt(TimeProvider time) => _time = time;

    public DestinationState? Destination { get; private set; }

    public bool HeadersReceived { get; private set; }

    /// <summary>Whether a retryable failure status of this attempt may be held back for a retry.</summary>
    public bool MayRetry { get; set; }

    /// <summary>The service and region of this attempt, for finding a retry target; null in isolation (tests).</summary>
    public (ServiceRoute Service, RegionRoute Region)? Route { get; set; }

    /// <summary>Status codes to hold back for a retry (when <see cref="MayRetry"/>).</summary>
    public IReadOnlyList<int> RetryOnStatusCodes { get; set; } = [];

    /// <summary>A failure status held back (not sent to the client) so the request can be retried; 0 when none.</summary>
    public int InterceptedStatus { get; private set; }

    public int Attempts => _triedCount;

    /// <summary>Cancelled when the per-try timeout passes without response headers.</summary>
    public CancellationToken PerTryToken => _perTry?.Token ?? CancellationToken.None;

    public bool PerTryTimedOut => !HeadersReceived && _perTry is { IsCancellationRequested: true };

    public void Begin(DestinationState destination, TimeSpan? perTryTimeout)
    {
        Destination = destination;
        HeadersReceived = false;
        InterceptedStatus = 0;
        if (_triedCount < MaxTried)
        {
            _tried[_triedCount++] = destination;
        }

        if (perTryTimeout is { } timeout)
        {
            // A source fresh from Reset (or never armed) is used as it is; TryReset again would only take the timer lock.
            if (_perTry is null || (_perTryArmed && !_perTry.TryReset()))
            {
                _perTry?.Dispose();
                _perTry = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            }

            _perTry.CancelAfter(timeout);
            _perTryArmed = true;
        }

        _startedAt = destination.OnAttemptStarted();
    }

    /// <summary>Called by the transformer when response headers arrive; true when the status should be held back for a retry.</summary>
    public bool OnResponseHeaders(int statusCode)
    {
        if (!HeadersReceived)
        {
            HeadersReceived = true;
            _perTry?.CancelAfter(Timeout.InfiniteTimeSpan);
            Destination!.OnHeadersReceived(_startedAt);
        }

        // Whether a destination is left to retry on is asked only here, when a retryable status has come: the
        // region scan stays off the path of every other response.
        if (MayRetry && Contains(RetryOnStatusCodes, statusCode) &&
            (Route is not { } route || route.Service.ChooseRetry(route.Region, this, out _) is not null))
        {
            InterceptedStatus = statusCode;
            return true;
        }

        return false;
    }

    public void End()
    {
        if (!HeadersReceived)
        {
            Destination?.OnAttemptEndedWithoutHeaders();
        }
    }

    public bool HasTried(DestinationState destination)
    {
        for (var i = 0; i < _triedCount; i++)
        {
            if (ReferenceEquals(_tried[i], destination))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Clears the state for the next request (pool return).</summary>
    public void Reset()
    {
        Array.Clear(_tried, 0, _triedCount);
        _triedCount = 0;
        Destination = null;
        HeadersReceived = false;
        MayRetry = false;
        Route = null;
        InterceptedStatus = 0;
        if (_perTryArmed && _perTry is not null && !_perTry.TryReset())
        {
            _perTry.Dispose();
            _perTry = null;
        }

        _perTryArmed = false;
    }

    private static bool Contains(IReadOnlyList<int> codes, int code)
    {
        for (var i = 0; i < codes.Count; i++)
        {
            if (codes[i] == code)
            {
                return true;
            }
        }

        return false;
    }
}
