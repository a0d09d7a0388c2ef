using System.Net;
using System.Net.Sockets;

namespace NeuroPilot.Edge.LoadTests.Fleet;

/// <summary>
/// A TCP relay on 127.0.0.1 between one edge and one etcd member, so that the drill can cut that edge off etcd alone:
/// <see cref="Partition"/> turns it into a black hole (connections stay open and new ones are accepted, but no byte
/// passes either way, as with a firewall dropping packets), so the edge's etcd calls time out rather than fail fast.
/// Each relayed connection is two copy loops, bounded by the connections' lifetimes; disposing closes everything.
/// </summary>
internal sealed class EtcdRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _member;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private volatile bool _partitioned;

    public EtcdRelay(Uri member)
    {
        _member = new IPEndPoint(IPAddress.Parse(member.Host), member.Port);
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    /// <summary>What the edge is given as the member's client URL.</summary>
    public string Url { get; }

    public bool IsPartitioned => _partitioned;

    /// <summary>From now on nothing passes, on open connections and new ones.</summary>
    public void Partition() => _partitioned = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        try
        {
            await Task.WhenAll([_accepting, .. connections]).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Sockets are closed; a loop that has not noticed yet ends with the process.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                lock (_connections)
                {
                    _connections.RemoveAll(t => t.IsCompleted);
                    _connections.Add(RelayAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using (client)
        using (var member = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            try
            {
                await member.ConnectAsync(_member, _stop.Token).ConfigureAwait(false);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = CopyAsync(client, member, either.Token);
                var down = CopyAsync(member, client, either.Token);
                await Task.WhenAny(up, down).ConfigureAwait(false);
                await either.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(up, down).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The member is down, or one side closed: the other side is closed with it.
            }
        }
    }

    /// <summary>Copies until either side closes; while partitioned, what arrives is dropped.</summary>
    private async Task CopyAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                if (!_partitioned)
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Closed or stopped.
        }
    }
}
