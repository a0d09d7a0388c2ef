using NeuroPilot.Edge.LoadTests.Http;

namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// One open-model schedule spread over several targets (the edges of a fleet behind a client-side balancer): each due
/// request goes to the next target in rotation, round robin, on that target's own connection pool. A target can be
/// taken out of rotation (<see cref="TakeOutOfRotation"/>) before it is broken on purpose: it gets no new request,
/// and <see cref="OutstandingOn"/> says when the ones it holds are done. Called from the scheduler thread, like
/// every <see cref="ILoadTransport"/>, except <see cref="TakeOutOfRotation"/> and <see cref="OutstandingOn"/>.
/// </summary>
internal sealed class SpreadTransport(IReadOnlyList<Http1ConnectionPool> pools) : ILoadTransport
{
    private readonly bool[] _out = new bool[pools.Count];
    private int _next;

    public int Outstanding
    {
        get
        {
            var sum = 0;
            foreach (var pool in pools)
            {
                sum += pool.Outstanding;
            }

            return sum;
        }
    }

    public int Busy
    {
        get
        {
            var sum = 0;
            foreach (var pool in pools)
            {
                sum += pool.Busy;
            }

            return sum;
        }
    }

    /// <summary>Requests target <paramref name="index"/> holds (on a connection or queued for one).</summary>
    public int OutstandingOn(int index) => pools[index].Outstanding;

    /// <summary>From now on target <paramref name="index"/> gets no new request (at least one target stays in).</summary>
    public void TakeOutOfRotation(int index)
    {
        lock (_out)
        {
            var left = 0;
            foreach (var isOut in _out)
            {
                left += isOut ? 0 : 1;
            }

            if (left > 1)
            {
                Volatile.Write(ref _out[index], true);
            }
        }
    }

    public bool InRotation(int index) => !Volatile.Read(ref _out[index]);

    /// <summary>The last error seen while opening connections, of the first target that had one.</summary>
    public string? OpenError => pools.Select(p => p.OpenError).FirstOrDefault(e => e is not null);

    /// <summary>Opens every target's connections; 0 when any target could not be reached at all.</summary>
    public async Task<int> OpenAsync(CancellationToken cancellationToken)
    {
        var opened = await Task.WhenAll(pools.Select(p => p.OpenAsync(cancellationToken))).ConfigureAwait(false);
        return opened.Contains(0) ? 0 : opened.Sum();
    }

    public void Issue(long intendedTimestamp)
    {
        // Bounded: at most one turn of the rotation; at least one target is always in.
        for (var tries = 0; tries < pools.Count; tries++)
        {
            var index = _next;
            _next = (_next + 1) % pools.Count;
            if (InRotation(index))
            {
                pools[index].Issue(intendedTimestamp);
                return;
            }
        }
    }

    public void CheckTimeouts(long nowTimestamp)
    {
        foreach (var pool in pools)
        {
            pool.CheckTimeouts(nowTimestamp);
        }
    }

    public void AbortAll(long nowTimestamp)
    {
        foreach (var pool in pools)
        {
            pool.AbortAll(nowTimestamp);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in pools)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }
    }
}
