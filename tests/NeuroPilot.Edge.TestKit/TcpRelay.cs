using System.Net;
using System.Net.Sockets;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// A TCP relay on 127.0.0.1 (<see cref="Port"/>) to one target port, for faults that stopping a process cannot
/// produce: a network partition. Every accepted connection is relayed byte for byte both ways until
/// <see cref="Blackhole"/>: from then on nothing moves in either direction, on the connections already open and on
/// new ones (they are accepted, as a SYN into a cut link is not refused in time, and left waiting), so a client sees
/// what a cut link gives: calls that never answer until its own deadline. <see cref="Restore"/> lets the bytes held
/// meanwhile through and relays again, as a healed link delivers what TCP retransmits. Disposing closes everything.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private const int BufferSize = 16 * 1024;

    private readonly Socket _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<Socket> _sockets = [];
    private TaskCompletionSource _open = NewOpenGate(opened: true);

    private TcpRelay(Socket listener, int target)
    {
        _listener = listener;
        _target = target;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>The port the relay listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>: the relay as a client URL.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>True while the relay holds every byte back.</summary>
    public bool IsBlackholed
    {
        get
        {
            lock (_gate)
            {
                return !_open.Task.IsCompleted;
            }
        }
    }

    /// <summary>Starts relaying from a free loopback port to 127.0.0.1:<paramref name="targetPort"/>.</summary>
    public static TcpRelay Start(int targetPort)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        var relay = new TcpRelay(listener, targetPort);
        _ = Task.Run(relay.AcceptAsync);
        return relay;
    }

    /// <summary>From now on no byte moves, either way, on any connection, old or new.</summary>
    public void Blackhole()
    {
        lock (_gate)
        {
            if (_open.Task.IsCompleted)
            {
                _open = NewOpenGate(opened: false);
            }
        }
    }

    /// <summary>Relays again, the bytes held back first.</summary>
    public void Restore()
    {
        lock (_gate)
        {
            _open.TrySetResult();
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Dispose();
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            _sockets.Clear();
            _open.TrySetResult();
        }
    }

    private static TaskCompletionSource NewOpenGate(bool opened)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (opened)
        {
            gate.SetResult();
        }

        return gate;
    }

    private Task WhenOpen()
    {
        lock (_gate)
        {
            return _open.Task;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (!Track(client) || !Track(upstream))
        {
            return;
        }

        try
        {
            await WhenOpen();
            await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _target), _stopping.Token);
            await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The target refused, or the relay stops: the client sees its connection closed.
        }
        finally
        {
            Close(client);
            Close(upstream);
        }
    }

    /// <summary>Copies until the source ends; each chunk read waits for the gate before it is written on.</summary>
    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
                if (read == 0)
                {
                    return;
                }

                await WhenOpen();
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Either side closed, or the relay stops.
        }
    }

    private bool Track(Socket socket)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                socket.Dispose();
                return false;
            }

            _sockets.Add(socket);
            return true;
        }
    }

    private void Close(Socket socket)
    {
        lock (_gate)
        {
            _sockets.Remove(socket);
        }

        socket.Dispose();
    }
}
