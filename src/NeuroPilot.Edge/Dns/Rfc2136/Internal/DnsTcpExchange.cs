using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>
/// One DNS message exchange over TCP (RFC 1035 4.2.2, RFC 7766): connect, send with the 2-byte length prefix, read
/// one length-prefixed answer, close. The whole exchange is bounded by a timeout measured on the
/// <see cref="TimeProvider"/>: past it, <see cref="TimeoutException"/>. Connection failures surface as
/// <see cref="SocketException"/> or <see cref="IOException"/>; the caller's cancellation as
/// <see cref="OperationCanceledException"/>.
/// </summary>
internal static class DnsTcpExchange
{
    public static async Task<byte[]> ExchangeAsync(IPEndPoint server, byte[] message, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var token = linked.Token;
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server, token);

            var request = new byte[message.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(request, checked((ushort)message.Length));
            message.CopyTo(request, 2);
            await socket.SendAsync(request, SocketFlags.None, token);

            // The server says how long its answer is, in 16 bits: never more than 64 KiB allocated on its word, and a
            // server that announces more than it sends runs into the timeout or a closed connection.
            var prefix = new byte[2];
            await ReceiveExactlyAsync(socket, prefix, token);
            var answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            await ReceiveExactlyAsync(socket, answer, token);
            return answer;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from {server} within {timeout.TotalMilliseconds:0} ms");
        }
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("the server closed the connection before the whole answer arrived");
            }

            buffer = buffer[read..];
        }
    }
}
