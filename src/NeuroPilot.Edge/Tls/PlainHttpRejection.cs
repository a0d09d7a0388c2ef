using System.Text;
using Microsoft.AspNetCore.Connections;
using Prometheus;

namespace NeuroPilot.Edge.Tls;

/// <summary>
/// Connection middleware in front of TLS on an https listener: looks at the first byte a client sends without
/// taking it. A TLS handshake starts with a handshake record (0x16) and goes on to TLS; anything else is a client
/// speaking plain HTTP to an https port, which TLS alone would leave waiting for a handshake or cut without a word.
/// It gets <c>400 Bad Request</c> with "plain HTTP sent to an HTTPS port" in plain text and the connection is closed,
/// as nginx does. A client that sends nothing is closed after the handshake timeout.
/// </summary>
public sealed class PlainHttpRejection(TimeSpan firstByteTimeout, TimeProvider time, Counter rejected)
{
    /// <summary>The first byte of every TLS connection: a handshake record (RFC 8446 section 5.1).</summary>
    public const byte HandshakeRecord = 0x16;

    private const string Body = "plain HTTP sent to an HTTPS port\n";

    private static readonly byte[] Response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 400 Bad Request\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        $"Content-Length: {Body.Length}\r\n" +
        "Connection: close\r\n" +
        "\r\n" +
        Body);

    /// <summary>For <c>ListenOptions.Use</c>, before <c>UseHttps</c>.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => context => PeekAsync(context, next);

    private async Task PeekAsync(ConnectionContext context, ConnectionDelegate next)
    {
        var input = context.Transport.Input;
        System.IO.Pipelines.ReadResult result;
        using (var timeout = new CancellationTokenSource(firstByteTimeout, time))
        {
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Connected and silent for the whole handshake timeout: close, as the TLS layer would have.
                return;
            }
        }

        var buffer = result.Buffer;
        if (buffer.IsEmpty)
        {
            input.AdvanceTo(buffer.Start);
            return;
        }

        if (buffer.FirstSpan[0] == HandshakeRecord)
        {
            // Nothing consumed, nothing examined: TLS reads the same bytes again at once.
            input.AdvanceTo(buffer.Start, buffer.Start);
            await next(context);
            return;
        }

        // Take what the client sent, so closing does not reset the connection before it reads the answer.
        input.AdvanceTo(buffer.End);
        rejected.Inc();
        await context.Transport.Output.WriteAsync(Response);
        await context.Transport.Output.CompleteAsync();
    }
}
