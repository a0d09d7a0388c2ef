using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// A raw HTTP/1.1 upstream on loopback that records exactly the bytes each request arrives with, for comparing what
/// two edges send upstream. It listens on several ports (one per edge, so each edge's requests are told apart by
/// the port they came in on) and, per connection: reads a request head, then its body as framed (<c>Content-Length</c>,
/// or <c>chunked</c> with extensions and trailers, kept as received), records it, and answers with the script's raw
/// bytes or, by default, <c>200</c> with a <c>Content-Length</c> body (<c>100 Continue</c> first when the request
/// expects it). <c>GET /healthz</c> (the edge's probe) is always answered 200 and recorded as a probe.
/// </summary>
public sealed class RecordingUpstream : IDisposable
{
    /// <summary>The body of the default answer.</summary>
    public const string DefaultBody = "recorded\n";

    private const int MaxHead = 256 * 1024;

    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();

    private readonly TcpListener[] _listeners;
    private readonly Func<RecordedRequest, ScriptedAnswer?> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _accepting;
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Dictionary<int, ConnectionState> _connections = [];
    private int _nextConnection;

    private RecordingUpstream(int listeners, Func<RecordedRequest, ScriptedAnswer?> script)
    {
        _script = script;
        _listeners = new TcpListener[listeners];
        _accepting = new Task[listeners];
        for (var i = 0; i < listeners; i++)
        {
            _listeners[i] = new TcpListener(IPAddress.Loopback, 0);
            _listeners[i].Start(backlog: 512);
            var listener = i;
            _accepting[i] = Task.Run(() => AcceptAsync(listener));
        }
    }

    /// <summary>What became of a connection so far.</summary>
    public enum ConnectionState
    {
        /// <summary>Open, between requests.</summary>
        Idle,

        /// <summary>Open, with a request partly read.</summary>
        MidRequest,

        /// <summary>The edge closed (or reset) it.</summary>
        ClosedByEdge,

        /// <summary>This upstream closed it (its answer said so, or a head was too large).</summary>
        ClosedByUpstream,
    }

    /// <param name="listeners">How many ports to listen on (one per edge that sends here).</param>
    /// <param name="script">A recorded request (probes aside) -> what to answer; null for the default 200.</param>
    public static RecordingUpstream Start(int listeners, Func<RecordedRequest, ScriptedAnswer?> script) => new(listeners, script);

    public int Port(int listener) => ((IPEndPoint)_listeners[listener].LocalEndpoint).Port;

    /// <summary>The destination to put in the config of the edge that sends to <paramref name="listener"/>.</summary>
    public string Destination(int listener) => $"http://127.0.0.1:{Port(listener)}";

    /// <summary>Every request recorded so far, in the order they were read (probes included).</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Connections accepted so far on <paramref name="listener"/>.</summary>
    public IReadOnlyList<int> ConnectionsOn(int listener)
    {
        lock (_gate)
        {
            return [.. _connections.Keys.Where(id => id % 1000 == listener)];
        }
    }

    public ConnectionState StateOf(int connection)
    {
        lock (_gate)
        {
            return _connections[connection];
        }
    }

    /// <summary>No connection has a request partly read: every request that reached this upstream is recorded.</summary>
    public bool IsQuiet
    {
        get
        {
            lock (_gate)
            {
                return !_connections.Values.Contains(ConnectionState.MidRequest);
            }
        }
    }

    /// <summary>The default answer to <paramref name="request"/>: 200 with <see cref="DefaultBody"/> (no body to a HEAD).</summary>
    public static byte[] DefaultAnswer(RecordedRequest request)
    {
        var head = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {DefaultBody.Length}\r\n\r\n";
        return Encoding.Latin1.GetBytes(request.RequestLine.StartsWith("HEAD ", StringComparison.Ordinal) ? head : head + DefaultBody);
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }

        try
        {
            Task.WaitAll(_accepting, TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(int listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listeners[listener].AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            int id;
            lock (_gate)
            {
                // The listener is the id's last three digits.
                id = (++_nextConnection * 1000) + listener;
                _connections[id] = ConnectionState.Idle;
            }

            _ = Task.Run(() => ServeAsync(socket, id, listener));
        }
    }

    private async Task ServeAsync(Socket socket, int id, int listener)
    {
        var end = ConnectionState.ClosedByEdge;
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: true);
            var reader = new Reader(stream, _stop.Token);
            while (!_stop.IsCancellationRequested)
            {
                var request = await ReadRequestAsync(reader, stream, id, listener);
                if (request is null)
                {
                    return;
                }

                if (!request.Complete)
                {
                    return;
                }

                var answer = request.IsProbe
                    ? ScriptedAnswer.Text(200, "ok\n")
                    : _script(request) ?? new ScriptedAnswer(DefaultAnswer(request));
                await stream.WriteAsync(answer.Bytes, _stop.Token);
                if (answer.Close)
                {
                    end = ConnectionState.ClosedByUpstream;
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _connections[id] = end;
            }
        }
    }

    /// <summary>
    /// Reads one request and records it; null when the connection ended cleanly between requests. A request cut by
    /// the end of the connection is recorded as incomplete.
    /// </summary>
    private async Task<RecordedRequest?> ReadRequestAsync(Reader reader, NetworkStream stream, int id, int listener)
    {
        var headLength = await reader.ReadUntilAsync(HeadEnd, MaxHead);
        if (headLength < 0)
        {
            if (reader.Buffered == 0)
            {
                return null;
            }

            // A head cut by the end of the connection (or past MaxHead): recorded with no head length.
            return Record(new RecordedRequest(id, listener, reader.TakeAll(), HeadLength: 0, Complete: false));
        }

        SetState(id, ConnectionState.MidRequest);
        var head = Encoding.Latin1.GetString(reader.Peek(headLength));
        var chunked = IsChunked(head);
        var length = chunked ? 0 : ContentLength(head);
        var expectsContinue = (chunked || length > 0) && HeaderValue(head, "Expect")?.Equals("100-continue", StringComparison.OrdinalIgnoreCase) == true;
        if (expectsContinue && reader.Buffered == headLength)
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), _stop.Token);
        }

        var complete = chunked ? await ReadChunkedAsync(reader, headLength) : await reader.FillAsync(headLength + length);
        var raw = complete ? reader.Take(chunked ? reader.Mark : headLength + length) : reader.TakeAll();
        var request = Record(new RecordedRequest(id, listener, raw, headLength, complete));
        SetState(id, ConnectionState.Idle);
        return request;
    }

    /// <summary>Reads a chunked body after <paramref name="start"/>; on success <see cref="Reader.Mark"/> is its end.</summary>
    private static async Task<bool> ReadChunkedAsync(Reader reader, int start)
    {
        var at = start;
        while (true)
        {
            var lineEnd = await reader.ReadUntilAsync(LineEnd, MaxHead, from: at);
            if (lineEnd < 0)
            {
                return false;
            }

            var line = Encoding.Latin1.GetString(reader.Peek(lineEnd - 2)[at..]);
            var sizeText = line.Split(';')[0].Trim();
            if (!long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0 || size > MaxHead)
            {
                return false;
            }

            at = lineEnd;
            if (size == 0)
            {
                // Trailers, then the empty line.
                while (true)
                {
                    var trailerEnd = await reader.ReadUntilAsync(LineEnd, MaxHead, from: at);
                    if (trailerEnd < 0)
                    {
                        return false;
                    }

                    var empty = trailerEnd == at + 2;
                    at = trailerEnd;
                    if (empty)
                    {
                        reader.Mark = at;
                        return true;
                    }
                }
            }

            if (!await reader.FillAsync(at + (int)size + 2))
            {
                return false;
            }

            at += (int)size + 2;
        }
    }

    private RecordedRequest Record(RecordedRequest request)
    {
        lock (_gate)
        {
            _requests.Add(request);
        }

        return request;
    }

    private void SetState(int id, ConnectionState state)
    {
        lock (_gate)
        {
            _connections[id] = state;
        }
    }

    private static bool IsChunked(string head) =>
        HeaderValue(head, "Transfer-Encoding") is { } codings &&
        codings.Split(',')[^1].Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase);

    private static int ContentLength(string head) =>
        int.TryParse(HeaderValue(head, "Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : 0;

    private static string? HeaderValue(string head, string name)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>One growing buffer over the connection: what has been read and not yet taken.</summary>
    private sealed class Reader(NetworkStream stream, CancellationToken stop)
    {
        private byte[] _buffer = new byte[16 * 1024];

        public int Buffered { get; private set; }

        /// <summary>Where a chunked body ended (set by the chunked reader).</summary>
        public int Mark { get; set; }

        public ReadOnlySpan<byte> Peek(int length) => _buffer.AsSpan(0, length);

        /// <summary>
        /// Reads until <paramref name="delimiter"/> is buffered at or after <paramref name="from"/>; returns the offset
        /// just past it, or -1 when the connection ended or <paramref name="max"/> bytes came without it.
        /// </summary>
        public async Task<int> ReadUntilAsync(ReadOnlyMemory<byte> delimiter, int max, int from = 0)
        {
            while (true)
            {
                var found = _buffer.AsSpan(from, Buffered - from).IndexOf(delimiter.Span);
                if (found >= 0)
                {
                    return from + found + delimiter.Length;
                }

                if (Buffered - from >= max || !await ReadMoreAsync())
                {
                    return -1;
                }
            }
        }

        /// <summary>Reads until at least <paramref name="length"/> bytes are buffered; false when the connection ended first.</summary>
        public async Task<bool> FillAsync(int length)
        {
            while (Buffered < length)
            {
                if (!await ReadMoreAsync())
                {
                    return false;
                }
            }

            return true;
        }

        public byte[] Take(int length)
        {
            var taken = _buffer.AsSpan(0, length).ToArray();
            Buffer.BlockCopy(_buffer, length, _buffer, 0, Buffered - length);
            Buffered -= length;
            return taken;
        }

        public byte[] TakeAll() => Take(Buffered);

        private async Task<bool> ReadMoreAsync()
        {
            if (Buffered == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            int read;
            try
            {
                read = await stream.ReadAsync(_buffer.AsMemory(Buffered), stop);
            }
            catch (IOException)
            {
                return false;
            }

            Buffered += read;
            return read > 0;
        }
    }
}
