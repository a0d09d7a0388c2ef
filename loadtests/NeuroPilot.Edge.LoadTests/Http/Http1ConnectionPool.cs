using System.Diagnostics;
using System.Net;
using NeuroPilot.Edge.LoadTests.Http.Internal;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Http;

/// <summary>
/// A lean HTTP/1.1 client: a fixed set of keep-alive connections, used round-robin, one request at a time each.
/// When every connection is busy a due request waits in a FIFO queue (and counts as a late send); its latency still
/// runs from its intended start. Requests whose timeout passes while queued fail without being sent.
/// </summary>
internal sealed class Http1ConnectionPool : ILoadTransport
{
    private readonly Lock _lock = new();
    private readonly Http1Connection[] _connections;
    private readonly Queue<Http1Connection> _idle;
    private readonly Queue<long> _queued = new();
    private readonly List<long> _expired = [];
    private readonly RunRecorder _recorder;
    private int _busy;
    private bool _closed;

    /// <param name="sourceAddresses">
    /// Local addresses to connect from, connection <c>i</c> from the <c>i % n</c>-th (a drill's clients 127.0.0.x, so
    /// that per-client limits see several clients); empty: the OS chooses.
    /// </param>
    public Http1ConnectionPool(HttpTarget target, EndPoint endPoint, int connections, RunRecorder recorder, TimeSpan timeout, IReadOnlyList<IPAddress>? sourceAddresses = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(connections);
        _recorder = recorder;
        Timeout = timeout;
        TimeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        TimeoutMessage = $"no response within {timeout.TotalMilliseconds:0} ms of the intended start";
        _connections = new Http1Connection[connections];
        for (var i = 0; i < connections; i++)
        {
            var source = sourceAddresses is { Count: > 0 } sources ? sources[i % sources.Count] : null;
            _connections[i] = new Http1Connection(this, target, endPoint, recorder, source);
        }

        _idle = new Queue<Http1Connection>(_connections);
    }

    public TimeSpan Timeout { get; }

    public long TimeoutTicks { get; }

    /// <summary>The diagnostic recorded with a timeout (built once).</summary>
    public string TimeoutMessage { get; }

    /// <summary>The last error seen while opening connections ahead of the run.</summary>
    public string? OpenError { get; private set; }

    public int Outstanding
    {
        get
        {
            lock (_lock)
            {
                return _busy + _queued.Count;
            }
        }
    }

    public int Busy
    {
        get
        {
            lock (_lock)
            {
                return _busy;
            }
        }
    }

    public async Task<int> OpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout < TimeSpan.FromSeconds(5) ? Timeout : TimeSpan.FromSeconds(5));
        var opened = 0;

        // A few at a time: a backlog-limited server would otherwise see a burst of SYNs.
        for (var i = 0; i < _connections.Length; i += 16)
        {
            var batch = _connections.Skip(i).Take(16).Select(c => c.OpenAsync(timeout.Token)).ToArray();
            foreach (var error in await Task.WhenAll(batch).ConfigureAwait(false))
            {
                if (error is null)
                {
                    opened++;
                }
                else
                {
                    OpenError = error;
                }
            }

            if (opened == 0)
            {
                break;
            }
        }

        return opened;
    }

    public void Issue(long intendedTimestamp)
    {
        Http1Connection? connection;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            if (!_idle.TryDequeue(out connection))
            {
                _queued.Enqueue(intendedTimestamp);
                return;
            }

            _busy++;
        }

        connection.Start(intendedTimestamp, queued: false);
    }

    /// <summary>Called by a connection that finished a request: hands it the oldest queued one, or takes it back.</summary>
    public bool TryTakeQueued(Http1Connection connection, out long intended)
    {
        lock (_lock)
        {
            if (!_closed && _queued.TryDequeue(out intended))
            {
                return true;
            }

            _busy--;
            _idle.Enqueue(connection);
            intended = 0;
            return false;
        }
    }

    public void CheckTimeouts(long nowTimestamp)
    {
        foreach (var connection in _connections)
        {
            connection.AbandonIfExpired(nowTimestamp);
        }

        lock (_lock)
        {
            while (_queued.TryPeek(out var intended) && nowTimestamp >= intended + TimeoutTicks)
            {
                _expired.Add(_queued.Dequeue());
            }
        }

        foreach (var intended in _expired)
        {
            _recorder.RecordFailure(intended, nowTimestamp, FailureKind.Timeout, "no connection became free before the timeout");
        }

        _expired.Clear();
    }

    public void AbortAll(long nowTimestamp)
    {
        lock (_lock)
        {
            _closed = true;
            _expired.AddRange(_queued);
            _queued.Clear();
        }

        foreach (var intended in _expired)
        {
            _recorder.RecordFailure(intended, nowTimestamp, FailureKind.Unfinished, "still waiting for a connection at the end of the grace period");
        }

        _expired.Clear();
        foreach (var connection in _connections)
        {
            connection.AbandonIfBusy();
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _closed = true;
        }

        foreach (var connection in _connections)
        {
            connection.Close();
        }

        return ValueTask.CompletedTask;
    }
}
