using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// An HTTP/1.1 upstream on loopback that answers with exactly the bytes a test scripts, for upstream behaviour no
/// well-behaved server produces (a 204 with a body, an unasked-for 101, hop-by-hop headers) and for counting
/// connections. Each request head is read off the wire (a <c>Content-Length</c> body is read and dropped), handed to
/// the script, and the script's bytes are written back; the connection stays open for the next request unless the
/// script's answer closes it. <c>GET /healthz</c> is answered 200 unless the script says otherwise.
/// </summary>
public sealed class ScriptedUpstream : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<string, ScriptedAnswer> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _requests;
    private int _connections;
    private int _open;
    private int _maxOpen;

    private ScriptedUpstream(Func<string, ScriptedAnswer> script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 4096);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>The destination to put in a config: <c>http://127.0.0.1:PORT</c>.</summary>
    public string Destination => $"http://127.0.0.1:{Port}";

    /// <summary>Requests read (probes included).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The most connections that were open at the same time.</summary>
    public int MaxOpenConnections => Volatile.Read(ref _maxOpen);

    /// <param name="script">Request head (request line and headers, as text) -> what to answer.</param>
    public static ScriptedUpstream Start(Func<string, ScriptedAnswer> script) => new(script);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            var open = Interlocked.Increment(ref _open);
            for (var max = Volatile.Read(ref _maxOpen); open > max && Interlocked.CompareExchange(ref _maxOpen, open, max) != max; max = Volatile.Read(ref _maxOpen))
            {
            }

            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: true);
            var buffer = new byte[64 * 1024];
            var filled = 0;
            while (!_stop.IsCancellationRequested)
            {
                int end;
                while ((end = IndexOfHeadEnd(buffer, filled)) < 0)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                }

                var head = Encoding.Latin1.GetString(buffer, 0, end);
                var consumed = end + 4;
                var bodyLength = ContentLength(head);
                while (filled - consumed < bodyLength)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                }

                consumed += bodyLength;
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
                Interlocked.Increment(ref _requests);

                var answer = head.StartsWith("GET /healthz ", StringComparison.Ordinal)
                    ? ScriptedAnswer.Text(200, "ok\n")
                    : _script(head);
                if (answer.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(answer.Delay, _stop.Token);
                }

                await stream.WriteAsync(answer.Bytes, _stop.Token);
                if (answer.Close)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private static int IndexOfHeadEnd(byte[] buffer, int length) => buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);

    private static int ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(line.AsSpan("Content-Length:".Length).Trim(), out var length))
            {
                return length;
            }
        }

        return 0;
    }
}
