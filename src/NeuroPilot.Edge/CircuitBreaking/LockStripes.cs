namespace NeuroPilot.Edge.CircuitBreaking;

/// <summary>
/// A fixed set of locks handed out in turn, for objects that exist per destination (breakers, probe targets) and hold
/// a lock only for a few field writes: a <see cref="Lock"/> each was 40 bytes at 10,000 destinations. Objects may
/// share a lock, so a holder takes no other lock while it holds one (two stripes taken in turn could deadlock).
/// </summary>
public sealed class LockStripes
{
    private readonly Lock[] _locks;
    private int _next;

    public LockStripes(int count)
    {
        _locks = new Lock[count];
        for (var i = 0; i < count; i++)
        {
            _locks[i] = new Lock();
        }
    }

    /// <summary>The next lock in turn.</summary>
    public Lock Next() => _locks[(Interlocked.Increment(ref _next) & int.MaxValue) % _locks.Length];
}
