using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Forwarding.Internal;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Forwarding.Internal;

/// <summary>The fast engine's connections to one destination, against a real listener on loopback.</summary>
public sealed class UpstreamPoolTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly SocketConnectionContextFactory _sockets = new(new SocketConnectionFactoryOptions(), NullLogger.Instance);
    private readonly FakeTimeProvider _time = new();

    public UpstreamPoolTests() => _listener.Start();

    private Uri Destination => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    [Fact]
    public async Task Return_ThenTryRent_GivesTheSameConnectionBack()
    {
        var pool = new UpstreamPool(Destination, 4, _sockets, _time);
        var connection = await pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default);
        pool.Return(connection);

        Assert.Same(connection, pool.TryRent());
        Assert.Null(pool.TryRent());
        Assert.Equal(1, pool.Open);
    }

    [Fact]
    public async Task Return_AfterALargeResponseHead_KeepsNoLargeHeadBuffer()
    {
        var pool = new UpstreamPool(Destination, 4, _sockets, _time);
        var connection = await pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default);
        var large = "HTTP/1.1 200 OK\r\nX-Large: " + new string('a', 20_000) + "\r\nContent-Length: 0\r\n\r\n";
        Assert.Equal(NeuroPilot.Edge.Http1.Http1ParseStatus.Complete, connection.Parser.Parse(new(System.Text.Encoding.Latin1.GetBytes(large)), connection.Head, false).Status);
        Assert.True(connection.Head.BufferCapacity >= 20_000);

        pool.Return(connection);

        Assert.True(connection.Head.BufferCapacity <= UpstreamConnection.MaxKeptHeadBytes, $"kept {connection.Head.BufferCapacity} bytes");
    }

    [Fact]
    public async Task AtTheLimit_ARequestWaits_AndGetsTheConnectionGivenBack()
    {
        var pool = new UpstreamPool(Destination, 1, _sockets, _time);
        var first = await pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default);

        var waiting = pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default).AsTask();
        Assert.False(waiting.IsCompleted);
        pool.Return(first);

        Assert.Same(first, await waiting.WaitAsync(Deadline));
        Assert.Equal(1, pool.Open);
    }

    [Fact]
    public async Task AtTheLimit_AClosedConnectionsRoom_GoesToTheWaiter_WhichOpensItsOwn()
    {
        var pool = new UpstreamPool(Destination, 1, _sockets, _time);
        var first = await pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default);

        var waiting = pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default).AsTask();
        pool.Close(first);

        var second = await waiting.WaitAsync(Deadline);
        Assert.NotSame(first, second);
        Assert.Equal(1, pool.Open);
    }

    [Fact]
    public async Task AWaiterWhosePerTryTokenFires_IsCancelled_AndTheLimitHolds()
    {
        var pool = new UpstreamPool(Destination, 1, _sockets, _time);
        var first = await pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default);
        using var perTry = new CancellationTokenSource();

        var waiting = pool.AcquireAsync(TimeSpan.FromSeconds(1), perTry.Token, default).AsTask();
        perTry.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Deadline));
        pool.Return(first);
        Assert.Same(first, pool.TryRent());
        Assert.Equal(1, pool.Open);
    }

    [Fact]
    public async Task AConnectionIdlePastTheIdleTimeout_IsNotRented_AndIsClosed()
    {
        var pool = new UpstreamPool(Destination, 4, _sockets, _time);
        var connection = await pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default);
        pool.Return(connection);

        _time.Advance(UpstreamPool.IdleTimeout + TimeSpan.FromSeconds(1));

        Assert.Null(pool.TryRent());
        Assert.Equal(0, pool.Open);
    }

    [Fact]
    public async Task AConnectionTheDestinationClosedWhileIdle_IsNotRented()
    {
        var pool = new UpstreamPool(Destination, 4, _sockets, _time);
        var accepting = _listener.AcceptSocketAsync();
        var connection = await pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default);
        using var server = await accepting.WaitAsync(Deadline);
        pool.Return(connection);

        server.Close(); // the destination times the idle connection out

        // The transport notices the close on its own (its receive loop): wait for that, then rent.
        await Eventually.WaitUntilAsync(() => connection.Input.TryRead(out var read) && Peeked(connection, read).IsCompleted, Deadline,
            "the transport saw the destination close");
        Assert.Null(pool.TryRent());
        Assert.Equal(0, pool.Open);
    }

    [Fact]
    public async Task ARefusedConnect_IsASocketException_AndGivesItsRoomBack()
    {
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _listener.Stop();
        var pool = new UpstreamPool(new Uri($"http://127.0.0.1:{port}"), 1, _sockets, _time);

        await Assert.ThrowsAsync<SocketException>(async () => await pool.AcquireAsync(TimeSpan.FromSeconds(1), default, default));
        Assert.Equal(0, pool.Open);
    }

    private static System.IO.Pipelines.ReadResult Peeked(UpstreamConnection connection, System.IO.Pipelines.ReadResult read)
    {
        connection.Input.AdvanceTo(read.Buffer.Start);
        return read;
    }

    public void Dispose()
    {
        _listener.Stop();
        _sockets.Dispose();
    }
}
