namespace NeuroPilot.Edge.Limits;

/// <summary>
/// At most <c>MaxInFlight</c> requests of a service forwarded at once, and at most <c>MaxQueue</c> more waiting up to
/// <c>QueueTimeout</c> for a slot. The way in is one compare-and-swap when a slot is free (no lock, no allocation);
/// only a request that has to wait takes the slow path. Waiters are woken by the requests that finish; a wake-up is
/// a hint, each waiter takes a slot by the same compare-and-swap. Lives across reloads while the limits stay the same.
/// </summary>
public sealed class InFlightLimiter(int maxInFlight, int maxQueue, TimeSpan queueTimeout, TimeProvider time)
{
    private readonly SemaphoreSlim _freed = new(0, int.MaxValue);
    private int _inFlight;
    private int _queued;

    public int MaxInFlight => maxInFlight;

    public int MaxQueue => maxQueue;

    public TimeSpan QueueTimeout => queueTimeout;

    public int InFlight => Volatile.Read(ref _inFlight);

    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Takes a slot if one is free now.</summary>
    public bool TryEnter()
    {
        while (true)
        {
            var current = Volatile.Read(ref _inFlight);
            if (current >= maxInFlight)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inFlight, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Waits for a slot when the queue has room: <see cref="LimitDecision.Admitted"/>, or
    /// <see cref="LimitDecision.OverCapacity"/> (queue full) / <see cref="LimitDecision.QueueTimeout"/> (waited too long).
    /// </summary>
    public async ValueTask<LimitDecision> EnterQueuedAsync(CancellationToken aborted)
    {
        if (Interlocked.Increment(ref _queued) > maxQueue)
        {
            Interlocked.Decrement(ref _queued);
            return LimitDecision.OverCapacity;
        }

        try
        {
            if (TryEnter())
            {
                return LimitDecision.Admitted;
            }

            // The slow path only: one timer per queued request, on the edge's clock.
            using var timeout = new CancellationTokenSource(queueTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, aborted);
            do
            {
                await _freed.WaitAsync(linked.Token);
            }
            while (!TryEnter());

            return LimitDecision.Admitted;
        }
        catch (OperationCanceledException)
        {
            return LimitDecision.QueueTimeout;
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    /// <summary>Gives a slot back and wakes a waiter, if any.</summary>
    public void Exit()
    {
        Interlocked.Decrement(ref _inFlight);
        if (Volatile.Read(ref _queued) > 0)
        {
            _freed.Release();
        }
    }
}
