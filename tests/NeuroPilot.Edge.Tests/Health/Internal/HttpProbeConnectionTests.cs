using System.Net;
using System.Net.Sockets;
using System.Text;
using NeuroPilot.Edge.Health.Internal;

namespace NeuroPilot.Edge.Tests.Health.Internal;

/// <summary>
/// The keep-alive probe against a scripted server on loopback that answers each request with the next canned
/// response: the connection is reused after a cleanly framed keep-alive response and only then; a destination that
/// closed the kept connection gets the probe again on a new one; a malformed response fails the probe.
/// </summary>
public sealed class HttpProbeConnectionTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private readonly ScriptedServer _server = new();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task<int> ProbeAsync(HttpProbeConnection connection)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        return await connection.ExchangeAsync(timeout.Token);
    }

    [Fact]
    public async Task Exchange_KeepAliveResponses_OneConnectionCarriesEveryProbe()
    {
        _server.Responses.Enqueue(Ok);
        _server.Responses.Enqueue("HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n4;x=1\r\ndown\r\n0\r\nX-Why: test\r\n\r\n");
        _server.Responses.Enqueue("HTTP/1.1 204 No Content\r\n\r\n");
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));

        Assert.Equal(200, await ProbeAsync(connection));
        Assert.Equal(503, await ProbeAsync(connection));
        Assert.Equal(204, await ProbeAsync(connection));

        Assert.True(connection.IsOpen);
        Assert.Equal(1, _server.Accepted);
        Assert.Equal(3, _server.Requests.Count);
        Assert.StartsWith($"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{_server.Port}\r\nUser-Agent: neuropilot-edge-probe/", _server.Requests.First(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exchange_IPv6Destination_OneConnectionOverIPv6CarriesEveryProbe()
    {
        // The probe's socket is of the address's own family (an IPv6 socket here, an IPv4 one for 127.0.0.1).
        await using var server = new ScriptedServer(IPAddress.IPv6Loopback);
        server.Responses.Enqueue(Ok);
        server.Responses.Enqueue(Ok);
        using var connection = new HttpProbeConnection(server.Url("/healthz"));

        Assert.Equal(200, await ProbeAsync(connection));
        Assert.Equal(200, await ProbeAsync(connection));

        Assert.Equal(1, server.Accepted);
        Assert.StartsWith($"GET /healthz HTTP/1.1\r\nHost: [::1]:{server.Port}\r\n", server.Requests.First(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\nuntil the connection closes")]
    public async Task Exchange_ResponseThatEndsTheConnection_NextProbeOpensANewOne(string response)
    {
        _server.Responses.Enqueue(response);
        _server.Responses.Enqueue(Ok);
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));

        Assert.Equal(200, await ProbeAsync(connection));
        Assert.False(connection.IsOpen);
        Assert.Equal(200, await ProbeAsync(connection));

        Assert.Equal(2, _server.Accepted);
    }

    [Fact]
    public async Task Exchange_DestinationClosedTheKeptConnection_TheProbeIsSentAgainOnANewOne()
    {
        _server.Responses.Enqueue(Ok);
        _server.Responses.Enqueue(Ok);
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));
        Assert.Equal(200, await ProbeAsync(connection));

        // The destination times the idle connection out, as nginx's keepalive_timeout does.
        await _server.CloseConnectionsAsync();

        Assert.Equal(200, await ProbeAsync(connection));
        Assert.Equal(2, _server.Accepted);
    }

    [Fact]
    public async Task TrySendAhead_KeptConnection_TheExchangeReadsTheAnswerAndSendsNothingMore()
    {
        _server.Responses.Enqueue(Ok);
        _server.Responses.Enqueue("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));
        Assert.False(connection.TrySendAhead()); // no kept connection yet: the exchange connects and sends
        Assert.Equal(200, await ProbeAsync(connection));

        Assert.True(connection.TrySendAhead());
        Assert.Equal(503, await ProbeAsync(connection));

        Assert.Equal(1, _server.Accepted);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task TrySendAhead_DestinationClosedTheKeptConnection_TheProbeIsSentAgainOnANewOne()
    {
        _server.Responses.Enqueue(Ok);
        _server.Responses.Enqueue(Ok);
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));
        Assert.Equal(200, await ProbeAsync(connection));
        await _server.CloseConnectionsAsync();

        connection.TrySendAhead();

        Assert.Equal(200, await ProbeAsync(connection));
        Assert.Equal(2, _server.Accepted);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n")]
    public async Task Exchange_MalformedResponse_FailsTheProbeAndClosesTheConnection(string response)
    {
        _server.Responses.Enqueue(response);
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ProbeAsync(connection));

        Assert.StartsWith("invalid response: ", e.Message, StringComparison.Ordinal);
        Assert.False(connection.IsOpen);
    }

    [Fact]
    public async Task Exchange_HeadThatNeverEnds_FailsAtTheHeadLimitAndClosesTheConnection()
    {
        // A hostile destination: 40 KiB of header fields and no end of the head. The probe reads at most the limit
        // (its buffer grows to 20 KiB, no further) and fails; nothing waits for the rest.
        var fields = string.Concat(Enumerable.Range(0, 1000).Select(i => $"X-Filler-{i:D4}: {new string('a', 24)}\r\n"));
        _server.Responses.Enqueue("HTTP/1.1 200 OK\r\n" + fields);
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ProbeAsync(connection));

        Assert.StartsWith("invalid response: ", e.Message, StringComparison.Ordinal);
        Assert.False(connection.IsOpen);
    }

    [Fact]
    public async Task Exchange_BodyOverTheDrainLimit_IsNotReadAndTheConnectionIsClosed()
    {
        _server.Responses.Enqueue($"HTTP/1.1 200 OK\r\nContent-Length: {HttpProbeConnection.MaxDrainedBody + 1}\r\n\r\n");
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));

        Assert.Equal(200, await ProbeAsync(connection));

        Assert.False(connection.IsOpen);
    }

    [Fact]
    public async Task Exchange_InterimResponseFirst_TheFinalStatusCounts()
    {
        _server.Responses.Enqueue("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        using var connection = new HttpProbeConnection(_server.Url("/healthz"));

        Assert.Equal(200, await ProbeAsync(connection));
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Exchange_NobodyListening_ThrowsConnectionRefused()
    {
        var port = _server.Port;
        await _server.DisposeAsync();
        using var connection = new HttpProbeConnection(new Uri($"http://127.0.0.1:{port}/healthz"));

        var e = await Assert.ThrowsAsync<SocketException>(() => ProbeAsync(connection));

        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    /// <summary>A TCP server that answers each request head with the next queued response, verbatim; "close" responses end the connection.</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _connections = [];
        private readonly Task _accepting;
        private int _accepted;

        /// <param name="address">Where it listens: IPv4 loopback unless given.</param>
        public ScriptedServer(IPAddress? address = null)
        {
            _listener = new TcpListener(address ?? IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _accepting = AcceptAsync();
        }

        public int Port { get; }

        public System.Collections.Concurrent.ConcurrentQueue<string> Responses { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

        public int Accepted => Volatile.Read(ref _accepted);

        public Uri Url(string path) => _listener.LocalEndpoint.AddressFamily == AddressFamily.InterNetworkV6
            ? new($"http://[::1]:{Port}{path}")
            : new($"http://127.0.0.1:{Port}{path}");

        public async Task CloseConnectionsAsync()
        {
            lock (_connections)
            {
                foreach (var connection in _connections)
                {
                    connection.Dispose();
                }

                _connections.Clear();
            }

            await Task.Yield();
        }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            await _stop.CancelAsync();
            _listener.Stop();
            await CloseConnectionsAsync();
            try
            {
                await _accepting;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
                lock (_connections)
                {
                    _connections.Add(client);
                }

                _ = ServeAsync(client);
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var received = new StringBuilder();
                while (true)
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    var end = received.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    if (end < 0)
                    {
                        continue;
                    }

                    Requests.Enqueue(received.ToString(0, end + 4));
                    received.Remove(0, end + 4);
                    var response = Responses.TryDequeue(out var next) ? next : "HTTP/1.1 500 Nothing Queued\r\nContent-Length: 0\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
                    if (response.Contains("Connection: close", StringComparison.Ordinal) || response.StartsWith("HTTP/1.0", StringComparison.Ordinal) ||
                        !response.Contains("Content-Length", StringComparison.Ordinal) && !response.Contains("chunked", StringComparison.Ordinal) && !response.Contains(" 204 ", StringComparison.Ordinal))
                    {
                        client.Dispose();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
            {
                // The test closed it.
            }
        }
    }
}
