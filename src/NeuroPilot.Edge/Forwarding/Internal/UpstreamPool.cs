using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// The keep-alive connections to one destination. Idle connections sit in a fixed array of slots taken and given
/// back with one atomic exchange each (no lock, no allocation); a connection idle longer than <see cref="IdleTimeout"/>,
/// closed by the destination, or one that sent bytes while idle is dropped when found. At most
/// <c>MaxConnectionsPerDestination</c> connections exist at once (counted from the connect to the close); at the
/// limit a request waits in line (under a lock: the slow path only) for a connection given back, which is handed
/// to it directly, or for the room a closed one leaves.
/// </summary>
internal sealed class UpstreamPool
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    private const int IdleSlots = 128;

    private readonly UpstreamConnection?[] _idle = new UpstreamConnection?[IdleSlots];
    private readonly SocketConnectionContextFactory _sockets;
    private readonly TimeProvider _time;
    private readonly EndPoint _endPoint;
    private readonly int _max;
    private readonly Lock _gate = new();
    private readonly Queue<TaskCompletionSource<UpstreamConnection?>> _waiters = new();
    private readonly HashSet<UpstreamConnection> _all = [];
    private int _open;
    private int _waiting;

    public UpstreamPool(Uri destination, int maxConnections, SocketConnectionContextFactory sockets, TimeProvider time)
    {
        _sockets = sockets;
        _time = time;
        _max = maxConnections;
        _endPoint = IPAddress.TryParse(destination.IdnHost, out var address)
            ? new IPEndPoint(address, destination.Port)
            : new DnsEndPoint(destination.IdnHost, destination.Port);
        HostField = Encoding.ASCII.GetBytes($"Host: {destination.Authority}\r\n");
    }

    /// <summary>The <c>Host</c> field line for this destination (<c>Host: address:port</c> and CRLF).</summary>
    public byte[] HostField { get; }

    /// <summary>Connections open now (or being opened).</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>An idle connection that still looks usable, or null.</summary>
    public UpstreamConnection? TryRent()
    {
        for (var i = 0; i < _idle.Length; i++)
        {
            if (Volatile.Read(ref _idle[i]) is null)
            {
                continue;
            }

            var connection = Interlocked.Exchange(ref _idle[i], null);
            if (connection is null)
            {
                continue;
            }

            if (_time.GetElapsedTime(connection.IdleSince) < IdleTimeout && connection.LooksUsable())
            {
                return connection;
            }

            Close(connection);
        }

        return null;
    }

    /// <summary>Gives back a connection whose last response was cleanly framed and kept alive.</summary>
    public void Return(UpstreamConnection connection)
    {
        // An idle connection keeps a small head buffer only: a destination answering 32 KiB heads cannot make every
        // kept connection hold one.
        connection.Head.Shrink(UpstreamConnection.MaxKeptHeadBytes);
        if (Volatile.Read(ref _waiting) > 0 && HandOver(connection))
        {
            return;
        }

        connection.IdleSince = _time.GetTimestamp();
        for (var i = 0; i < _idle.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _idle[i], connection, null) is null)
            {
                // A request may have joined the line between the check above and this slot: it must not wait
                // while this connection idles.
                if (Volatile.Read(ref _waiting) > 0 && Interlocked.CompareExchange(ref _idle[i], null, connection) == connection && !HandOver(connection))
                {
                    Return(connection);
                }

                return;
            }
        }

        Close(connection);
    }

    /// <summary>Closes a connection that cannot carry another request; its room goes to the first request waiting, if any.</summary>
    public void Close(UpstreamConnection connection)
    {
        connection.Close();
        lock (_gate)
        {
            _all.Remove(connection);
        }

        if (Volatile.Read(ref _waiting) > 0 && HandOver(null))
        {
            return;
        }

        Interlocked.Decrement(ref _open);
    }

    /// <summary>A connection for one request: a new one when there is room under the limit, else the first one given back or the room of the first one closed.</summary>
    /// <exception cref="SocketException">The destination refused, or the connect timed out (<see cref="SocketError.TimedOut"/>).</exception>
    /// <exception cref="OperationCanceledException">A token was cancelled while the request waited or connected.</exception>
    public async ValueTask<UpstreamConnection> AcquireAsync(TimeSpan connectTimeout, CancellationToken perTry, CancellationToken aborted)
    {
        if (TryReserve())
        {
            return await ConnectAsync(connectTimeout, perTry);
        }

        TaskCompletionSource<UpstreamConnection?> waiter;
        lock (_gate)
        {
            Interlocked.Increment(ref _waiting);
            if (TryRent() is { } idle)
            {
                Interlocked.Decrement(ref _waiting);
                return idle;
            }

            if (TryReserve())
            {
                Interlocked.Decrement(ref _waiting);
                waiter = null!;
            }
            else
            {
                waiter = new TaskCompletionSource<UpstreamConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Enqueue(waiter);
            }
        }

        if (waiter is null)
        {
            return await ConnectAsync(connectTimeout, perTry);
        }

        UpstreamConnection? handed;
        using (perTry.UnsafeRegister(static state => ((TaskCompletionSource<UpstreamConnection?>)state!).TrySetCanceled(), waiter))
        using (aborted.UnsafeRegister(static state => ((TaskCompletionSource<UpstreamConnection?>)state!).TrySetCanceled(), waiter))
        {
            handed = await waiter.Task;
        }

        return handed ?? await ConnectAsync(connectTimeout, perTry);
    }

    /// <summary>Closes the connections idle past <see cref="IdleTimeout"/> (called by the engine's sweep), or all idle ones.</summary>
    public void Sweep(bool closeAll)
    {
        for (var i = 0; i < _idle.Length; i++)
        {
            // Only the idle time is looked at: reading the connection here would race with a request renting it.
            if (Volatile.Read(ref _idle[i]) is not { } seen || (!closeAll && _time.GetElapsedTime(seen.IdleSince) < IdleTimeout))
            {
                continue;
            }

            if (Interlocked.CompareExchange(ref _idle[i], null, seen) == seen)
            {
                Close(seen);
            }
        }
    }

    /// <summary>Cancels the exchanges whose upstream has been silent past the service's <c>RequestTimeout</c> (the engine's sweep).</summary>
    public void CancelSilent()
    {
        lock (_gate)
        {
            foreach (var connection in _all)
            {
                connection.CancelIfSilent();
            }
        }
    }

    /// <summary>Takes room for one more connection under the limit.</summary>
    private bool TryReserve()
    {
        while (true)
        {
            var open = Volatile.Read(ref _open);
            if (open >= _max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _open, open + 1, open) == open)
            {
                return true;
            }
        }
    }

    /// <summary>Gives a connection (or, with null, the room of a closed one) to the first request still waiting; false when none is.</summary>
    private bool HandOver(UpstreamConnection? connection)
    {
        lock (_gate)
        {
            while (_waiters.TryDequeue(out var waiter))
            {
                Interlocked.Decrement(ref _waiting);
                if (waiter.TrySetResult(connection))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Opens a new connection in room already reserved (given back when the connect fails).</summary>
    private async ValueTask<UpstreamConnection> ConnectAsync(TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(connectTimeout);
            try
            {
                await socket.ConnectAsync(_endPoint, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }

            var connection = new UpstreamConnection(_sockets.Create(socket), _time);
            lock (_gate)
            {
                _all.Add(connection);
            }

            return connection;
        }
        catch
        {
            socket.Dispose();
            if (!HandOver(null))
            {
                Interlocked.Decrement(ref _open);
            }

            throw;
        }
    }
}
