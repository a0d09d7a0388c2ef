using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// Sends a client's request body upstream, as the client declared it (<c>Content-Length</c>) or chunked, through the
/// request's body stream (the attempt's body watch sees it end, and cuts a body over the service's limit). The
/// upstream's silence clock restarts with every piece sent, as YARP's activity timeout does.
/// </summary>
internal static class RequestBody
{
    private const int BufferSize = 16 * 1024;

    /// <returns>
    /// <see cref="ForwarderError.RequestBodyClient"/> when reading the client's body failed (with Kestrel's exception,
    /// whose status is the answer), <see cref="ForwarderError.RequestBodyDestination"/> when the upstream stopped taking
    /// it, <see cref="ForwarderError.RequestCanceled"/> when the exchange was cancelled.
    /// </returns>
    public static async ValueTask<(ForwarderError Error, Exception? Exception)> SendAsync(Stream body, UpstreamConnection connection, bool chunked)
    {
        var output = connection.Output;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await body.ReadAsync(buffer);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException or ConnectionAbortedException)
                {
                    return (ForwarderError.RequestBodyClient, e);
                }

                if (read == 0)
                {
                    break;
                }

                if (chunked)
                {
                    WriteChunkSize(output, read);
                }

                output.Write(buffer.AsSpan(0, read));
                if (chunked)
                {
                    output.Write("\r\n"u8);
                }

                var sent = await SentAsync(output);
                if (sent != ForwarderError.None)
                {
                    return (sent, null);
                }

                connection.Heard();
            }

            if (chunked)
            {
                output.Write("0\r\n\r\n"u8);
                var sent = await SentAsync(output);
                if (sent != ForwarderError.None)
                {
                    return (sent, null);
                }
            }

            return (ForwarderError.None, null);
        }
        catch (Exception e) when (Http1Exchange.IsConnectionFailure(e))
        {
            return (ForwarderError.RequestBodyDestination, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask<ForwarderError> SentAsync(PipeWriter output)
    {
        var flush = await output.FlushAsync();
        return flush.IsCanceled ? ForwarderError.RequestCanceled : flush.IsCompleted ? ForwarderError.RequestBodyDestination : ForwarderError.None;
    }

    private static void WriteChunkSize(PipeWriter output, int size)
    {
        var span = output.GetSpan(12);
        size.TryFormat(span, out var written, "X", CultureInfo.InvariantCulture);
        span[written++] = (byte)'\r';
        span[written++] = (byte)'\n';
        output.Advance(written);
    }
}
