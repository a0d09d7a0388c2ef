namespace NeuroPilot.Edge.Fleet.Internal;

/// <summary>A token cancelled when the caller stops or after <c>timeout</c> on the injected clock, whichever comes first.</summary>
internal sealed class CallDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;

    public CallDeadline(TimeSpan timeout, TimeProvider time, CancellationToken stop)
    {
        _timeout = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _timeout.Token);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>How long one etcd call may take: half the lease's TTL, at most 2 s, so a failed call still leaves time to renew.</summary>
    public static TimeSpan TimeoutFor(TimeSpan leaseTtl) => leaseTtl / 2 < TimeSpan.FromSeconds(2) ? leaseTtl / 2 : TimeSpan.FromSeconds(2);

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
