using Microsoft.AspNetCore.Http.Features;
using NeuroPilot.Edge.Failover.Internal;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Failover;

/// <summary>
/// The per-request forwarding state that the transformer needs to see (set as an HttpContext feature): the
/// destination of the current attempt, whether its response headers came, its per-try timeout, the destinations
/// already tried, and the retry reserved for it. Pooled: one per request in flight, reused.
/// <para>
/// The upstream is held to account only while the edge waits on it: the stall clock and the per-try timer of an
/// attempt start when the client's body has been sent upstream in full (at once when there is none), so a client
/// that uploads slowly never makes a destination look hung.
/// </para>
/// </summary>
public sealed class ForwardAttempt
{
    public const int MaxTried = 10;

    // Phases of one attempt. BodyPending: the client's body is still on its way; the upstream is not expected to
    // answer yet. Waiting: the stall clock and the per-try timer run. Done: headers came or the attempt ended.
    private const int BodyPending = 0;
    private const int Waiting = 1;
    private const int Done = 2;

    private readonly DestinationState?[] _tried = new DestinationState?[MaxTried];
    private readonly TimeProvider _time;
    private readonly RequestBodyWatch _bodyWatch;
    private CancellationTokenSource? _perTry;
    private bool _perTryArmed;
    private TimeSpan? _perTryTimeout;
    private long _startedAt;
    private int _phase = Done;

    // True while the client's body is still coming: the body watch may then start the clock on another thread than
    // the one that sees the headers, so phase changes are atomic. Without a body they happen one after the other on
    // the request's own flow and plain reads and writes do (three atomic operations less per attempt: bench/).
    private bool _concurrentPhases;
    private int _triedCount;
    private DestinationState? _reserved;
    private RegionRoute? _reservedRegion;
    private bool _reservedCharged;

    public ForwardAttempt(TimeProvider time)
    {
        _time = time;
        _bodyWatch = new RequestBodyWatch(this);
    }

    public DestinationState? Destination { get; private set; }

    /// <summary>Who sent the request (for the forwarding headers the transformer writes).</summary>
    public ClientIdentity.ClientAddress Client { get; set; }

    public bool HeadersReceived { get; private set; }

    /// <summary>Whether a retryable failure status of this attempt may be held back for a retry (replayable, attempts left).</summary>
    public bool MayRetry { get; set; }

    /// <summary>The service and region of this attempt, for reserving a retry; null in isolation (tests).</summary>
    public (ServiceRoute Service, RegionRoute Region)? Route { get; set; }

    /// <summary>Status codes to hold back for a retry (when <see cref="MayRetry"/>).</summary>
    public IReadOnlyList<int> RetryOnStatusCodes { get; set; } = [];

    /// <summary>A failure status held back (not sent to the client) so the request can be retried; 0 when none.</summary>
    public int InterceptedStatus { get; private set; }

    /// <summary>The upstream's response broke HTTP (see <see cref="AttemptResult.InvalidResponse"/>); nothing of it reached the client.</summary>
    public bool InvalidResponse { get; private set; }

    public int Attempts => _triedCount;

    /// <summary>The destinations this request has been sent to, in order.</summary>
    public ReadOnlySpan<DestinationState?> Tried => _tried.AsSpan(0, _triedCount);

    /// <summary>Whether the stall clock and per-try timer of this attempt run (the client's body is sent, no headers yet).</summary>
    public bool IsWaitingOnUpstream => Volatile.Read(ref _phase) == Waiting;

    /// <summary>Cancelled when the per-try timeout passes without response headers.</summary>
    public CancellationToken PerTryToken => _perTry?.Token ?? CancellationToken.None;

    public bool PerTryTimedOut => !HeadersReceived && _perTry is { IsCancellationRequested: true };

    /// <summary>
    /// Watches the request body when the request has one, so that the attempts' clocks start once it has been sent;
    /// true when there is a body to wait for. Undone by <see cref="Reset"/>.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="maxBytes">A body longer than this is cut off (<see cref="BodyTooLarge"/>); null: no limit.</param>
    public bool WatchRequestBody(HttpContext context, long? maxBytes = null)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: true } ||
            context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true })
        {
            return false;
        }

        _bodyWatch.Attach(context.Request, maxBytes);
        return true;
    }

    /// <summary>The client's body ran past the service's <c>MaxRequestBodySize</c> and was cut off.</summary>
    public bool BodyTooLarge { get; private set; }

    /// <summary>Called by the body watch when the body runs past its limit.</summary>
    internal void OnBodyTooLarge() => BodyTooLarge = true;

    /// <param name="destination">Where this attempt goes.</param>
    /// <param name="perTryTimeout">How long the upstream may take to send response headers, once it has the whole request.</param>
    /// <param name="bodyPending">The client's body is still to be sent: the clocks start at <see cref="OnRequestBodySent"/>.</param>
    public void Begin(DestinationState destination, TimeSpan? perTryTimeout, bool bodyPending = false)
    {
        Destination = destination;
        HeadersReceived = false;
        InterceptedStatus = 0;
        InvalidResponse = false;
        _perTryTimeout = perTryTimeout;
        if (_triedCount < MaxTried)
        {
            _tried[_triedCount++] = destination;
        }

        if (perTryTimeout is not null && (_perTry is null || (_perTryArmed && !_perTry.TryReset())))
        {
            // The token goes to the forwarder now; the timer is armed only when the upstream is on the clock. A source
            // fresh from Reset (or never armed) is used as it is: TryReset again would only take the timer lock.
            _perTry?.Dispose();
            _perTry = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            _perTryArmed = false;
        }

        _concurrentPhases = bodyPending;
        Volatile.Write(ref _phase, BodyPending);
        if (!bodyPending)
        {
            StartWaiting();
        }
    }

    /// <summary>The client's body has been read to its end and handed upstream: from now on the upstream is on the clock.</summary>
    public void OnRequestBodySent() => StartWaiting();

    /// <summary>Called by the transformer when response headers arrive; true when the status should be held back for a retry.</summary>
    public bool OnResponseHeaders(int statusCode)
    {
        OnHeadersArrived();

        // The retry is decided once, here, when a retryable status has come: the next destination and the budget
        // slot are reserved together, or the upstream's response goes to the client whole.
        if (MayRetry && Contains(RetryOnStatusCodes, statusCode) && TryReserveRetry())
        {
            InterceptedStatus = statusCode;
            return true;
        }

        return false;
    }

    /// <summary>The transformer found the upstream's response broken; the client gets a 502 instead (or a retry elsewhere).</summary>
    public void OnInvalidResponse()
    {
        OnHeadersArrived();
        InvalidResponse = true;
    }

    /// <summary>Response headers came: the upstream is off the clock (per-try timer, stall detection) and its time to headers is recorded.</summary>
    private void OnHeadersArrived()
    {
        if (!HeadersReceived)
        {
            HeadersReceived = true;
            var phase = SwapPhase(Done);
            _perTry?.CancelAfter(Timeout.InfiniteTimeSpan);
            if (phase == Waiting)
            {
                Destination!.OnHeadersReceived(_startedAt);
            }
        }
    }

    public void End()
    {
        if (SwapPhase(Done) == Waiting)
        {
            Destination?.OnAttemptEndedWithoutHeaders();
        }
    }

    /// <summary>
    /// Reserves the next attempt: an untried destination (same region first, then the next regions, panic as the
    /// service allows) and, unless the move is failover, a slot of the retry budget. True when reserved (or already
    /// reserved); take it with <see cref="TakeReservation"/>.
    /// </summary>
    public bool TryReserveRetry()
    {
        if (_reserved is not null)
        {
            return true;
        }

        if (Route is not { } route || Destination is not { } current)
        {
            return false;
        }

        var service = route.Service;
        var next = service.ChooseRetry(route.Region, Tried, out var nextRegion);
        if (next is null || nextRegion is null)
        {
            return false;
        }

        // Moving a request off a destination that health has already taken out, onto an available one, is failover,
        // bounded by the requests caught there: it is not charged to the budget. Every other retry (the failed
        // destination still looks fine, or nothing is available: panic) is.
        var failover = !current.IsAvailable && next.IsAvailable;
        if (!failover && !service.Budget.TryStartRetry())
        {
            service.Metrics.BudgetExhausted.Inc();
            return false;
        }

        _reserved = next;
        _reservedRegion = nextRegion;
        _reservedCharged = !failover;
        return true;
    }

    /// <summary>Takes the reserved retry; true when it holds a budget slot (give it back with <c>RetryBudget.OnRetryEnded</c> when the attempt ends).</summary>
    public bool TakeReservation(out DestinationState destination, out RegionRoute region)
    {
        destination = _reserved ?? throw new InvalidOperationException("No retry is reserved.");
        region = _reservedRegion!;
        var charged = _reservedCharged;
        _reserved = null;
        _reservedRegion = null;
        _reservedCharged = false;
        return charged;
    }

    /// <summary>Gives back a reservation that will not be used (the client went away after the status was held back).</summary>
    public void ReleaseReservation()
    {
        if (_reserved is not null && _reservedCharged && Route is { } route)
        {
            route.Service.Budget.OnRetryEnded();
        }

        _reserved = null;
        _reservedRegion = null;
        _reservedCharged = false;
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
        ReleaseReservation();
        _bodyWatch.Detach();
        Client = default;
        BodyTooLarge = false;
        Array.Clear(_tried, 0, _triedCount);
        _triedCount = 0;
        Destination = null;
        HeadersReceived = false;
        MayRetry = false;
        Route = null;
        InterceptedStatus = 0;
        InvalidResponse = false;
        _phase = Done;
        _perTryTimeout = null;
        if (_perTryArmed && _perTry is not null && !_perTry.TryReset())
        {
            _perTry.Dispose();
            _perTry = null;
        }

        _perTryArmed = false;
    }

    /// <summary>BodyPending -> Waiting: counts the attempt as waiting for headers and arms the per-try timer.</summary>
    private void StartWaiting()
    {
        var destination = Destination;
        if (destination is null || Volatile.Read(ref _phase) != BodyPending)
        {
            return;
        }

        var startedAt = destination.OnAttemptStarted();
        _startedAt = startedAt;
        if (!_concurrentPhases)
        {
            _phase = Waiting;
        }
        else if (Interlocked.CompareExchange(ref _phase, Waiting, BodyPending) != BodyPending)
        {
            // Headers (an early answer) or the end of the attempt came first.
            destination.OnAttemptEndedWithoutHeaders();
            return;
        }

        if (_perTryTimeout is { } timeout && _perTry is { } perTry)
        {
            perTry.CancelAfter(timeout);
            _perTryArmed = true;

            // Headers may have come on another thread between the phase change and the arming: disarm again.
            if (_concurrentPhases && Volatile.Read(ref _phase) != Waiting)
            {
                perTry.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
    }

    private int SwapPhase(int phase)
    {
        if (_concurrentPhases)
        {
            return Interlocked.Exchange(ref _phase, phase);
        }

        var before = _phase;
        _phase = phase;
        return before;
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
