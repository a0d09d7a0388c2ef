using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>
/// A small DNS server on 127.0.0.1 (UDP and TCP on one free port) that answers as a broken or hostile RFC 2136
/// primary would (<see cref="Mode"/>, <see cref="DnsHostility"/>): compression pointer loops, truncated messages,
/// wrong ids, a huge TCP length prefix. With <see cref="DnsHostility.None"/> it relays every message to the real
/// server given at start (a <see cref="KnotServer"/>), so a test can break the provider and then let it recover.
/// Every message received is counted (<see cref="Received"/>).
/// </summary>
public sealed class HostileDnsServer : IDisposable
{
    private static readonly TimeSpan RelayTimeout = TimeSpan.FromSeconds(5);

    private readonly TcpListener _listener;
    private readonly UdpClient _udp;
    private readonly IPEndPoint? _upstream;
    private readonly CancellationTokenSource _stop = new();
    private int _mode;
    private int _received;

    private HostileDnsServer(IPEndPoint? upstream, DnsHostility mode)
    {
        _upstream = upstream;
        _mode = (int)mode;
        // One port for both: bind TCP first, then UDP on the same number (retry on the rare clash).
        for (var attempt = 1; ; attempt++)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            try
            {
                _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port));
                break;
            }
            catch (SocketException) when (attempt < 10)
            {
                _listener.Stop();
            }
        }
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public int Port => EndPoint.Port;

    /// <summary>How the next messages are answered; change it at any time.</summary>
    public DnsHostility Mode
    {
        get => (DnsHostility)Volatile.Read(ref _mode);
        set => Volatile.Write(ref _mode, (int)value);
    }

    /// <summary>DNS messages received so far (UDP datagrams and TCP frames).</summary>
    public int Received => Volatile.Read(ref _received);

    /// <param name="upstream">The real server to relay to in <see cref="DnsHostility.None"/> (and to take <see cref="DnsHostility.WrongId"/>'s answers from).</param>
    /// <param name="mode">The first mode.</param>
    public static HostileDnsServer Start(IPEndPoint? upstream = null, DnsHostility mode = DnsHostility.None)
    {
        var server = new HostileDnsServer(upstream, mode);
        _ = server.AcceptLoopAsync();
        _ = server.UdpLoopAsync();
        return server;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _udp.Dispose();
        _stop.Dispose();
    }

    /// <summary>The answer to <paramref name="request"/> in <paramref name="mode"/>; null to send nothing back.</summary>
    private async Task<byte[]?> AnswerAsync(byte[] request, DnsHostility mode, bool tcp, CancellationToken cancellationToken)
    {
        if (request.Length < 12)
        {
            return null;
        }

        switch (mode)
        {
            case DnsHostility.PointerLoop:
            {
                var (header, question) = Echo(request, answers: 1);
                var answer = new byte[12];
                // The name points at itself: offset of this very record in the message.
                var offset = header.Length + question.Length;
                answer[0] = (byte)(0xC0 | (offset >> 8));
                answer[1] = (byte)offset;
                BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(2), 1); // A
                BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(4), 1); // IN
                BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(6), 60);
                BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(10), 4);
                return [.. header, .. question, .. answer, 198, 51, 100, 10];
            }

            case DnsHostility.Truncated:
            {
                var (header, question) = Echo(request, answers: 1);
                return [.. header, .. question, 0xC0, 0x0C, 0x00];
            }

            case DnsHostility.WrongId:
            {
                var answer = await RelayAsync(request, tcp, cancellationToken) ?? Refused(request);
                answer[1] ^= 0x5A;
                return answer;
            }

            case DnsHostility.HugeLengthPrefix:
            {
                var (header, question) = Echo(request, answers: 0);
                header[2] |= 0x02; // TC
                return [.. header, .. question];
            }

            default:
                return await RelayAsync(request, tcp, cancellationToken) ?? Refused(request);
        }
    }

    /// <summary>The request's header turned into an answer's (QR, AA, NOERROR, counts) and its question section as sent.</summary>
    private static (byte[] Header, byte[] Question) Echo(byte[] request, ushort answers)
    {
        var header = request[..12];
        header[2] = (byte)(0x80 | (request[2] & 0x78) | 0x04); // QR, opcode, AA
        header[3] = 0;
        var end = 12;
        var questions = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(4));
        for (var i = 0; i < questions && end < request.Length; i++)
        {
            while (end < request.Length && request[end] != 0)
            {
                end += (request[end] & 0xC0) == 0xC0 ? 1 : request[end] + 1;
            }

            end = Math.Min(end + 5, request.Length);
        }

        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), answers);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), 0);
        return (header, request[12..end]);
    }

    private static byte[] Refused(byte[] request)
    {
        var (header, question) = Echo(request, answers: 0);
        header[3] = 5; // REFUSED
        return [.. header, .. question];
    }

    private async Task<byte[]?> RelayAsync(byte[] request, bool tcp, CancellationToken cancellationToken)
    {
        if (_upstream is null)
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RelayTimeout);
        if (!tcp)
        {
            using var udp = new UdpClient(AddressFamily.InterNetwork);
            await udp.SendAsync(request, _upstream, timeout.Token);
            return (await udp.ReceiveAsync(timeout.Token)).Buffer;
        }

        using var client = new TcpClient();
        await client.ConnectAsync(_upstream, timeout.Token);
        var stream = client.GetStream();
        var prefix = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)request.Length);
        await stream.WriteAsync(prefix, timeout.Token);
        await stream.WriteAsync(request, timeout.Token);
        await stream.ReadExactlyAsync(prefix, timeout.Token);
        var answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(answer, timeout.Token);
        return answer;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeTcpAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task ServeTcpAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var prefix = new byte[2];
                while (true)
                {
                    // A client that sends several messages on one connection gets an answer to each.
                    var read = await stream.ReadAtLeastAsync(prefix, 2, throwOnEndOfStream: false, _stop.Token);
                    if (read < 2)
                    {
                        return;
                    }

                    var request = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                    await stream.ReadExactlyAsync(request, _stop.Token);
                    Interlocked.Increment(ref _received);
                    var mode = Mode;
                    if (mode == DnsHostility.HugeLengthPrefix)
                    {
                        await stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, _stop.Token);
                        return;
                    }

                    var answer = await AnswerAsync(request, mode, tcp: true, _stop.Token);
                    if (answer is null)
                    {
                        return;
                    }

                    BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)answer.Length);
                    await stream.WriteAsync(prefix, _stop.Token);
                    await stream.WriteAsync(answer, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                // The client went away, or the server stopped.
            }
        }
    }

    private async Task UdpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var query = await _udp.ReceiveAsync(_stop.Token);
                Interlocked.Increment(ref _received);
                var answer = await AnswerAsync(query.Buffer, Mode, tcp: false, _stop.Token);
                if (answer is not null)
                {
                    await _udp.SendAsync(answer, query.RemoteEndPoint, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // An ICMP port unreachable from a client that left, or the relay timed out: serve the next.
            }
        }
    }
}
