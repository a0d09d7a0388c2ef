using System.Buffers;
using System.IO.Pipelines;
using NeuroPilot.Edge.Http1;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// Relays an upstream response body into Kestrel's response pipe by its framing: exactly <c>Content-Length</c>
/// bytes, the data of a chunked body (trailers are dropped; Kestrel re-chunks), or everything until the upstream
/// closes. The upstream's silence is bounded by <c>RequestTimeout</c> between reads.
/// </summary>
internal static class ResponseBody
{
    /// <param name="Error"><see cref="ForwarderError.ResponseBodyDestination"/>: the upstream failed; <see cref="ForwarderError.ResponseBodyClient"/>: the client did.</param>
    /// <param name="Reusable">The body ended at its framed end and nothing followed it: the connection may carry another request.</param>
    public readonly record struct Relayed(ForwarderError Error, Exception? Exception, bool Reusable);

    public static async ValueTask<Relayed> RelayAsync(HttpContext context, UpstreamConnection connection)
    {
        var head = connection.Head;
        var output = context.Response.BodyWriter;
        try
        {
            switch (head.BodyKind)
            {
                case Http1BodyKind.ContentLength:
                    return await CopyLengthAsync(connection, output, head.ContentLength);
                case Http1BodyKind.Chunked:
                    return await CopyChunkedAsync(connection, output);
                case Http1BodyKind.CloseDelimited:
                    return await CopyUntilCloseAsync(connection, output);
                default:
                    return new(ForwarderError.None, null, true);
            }
        }
        catch (Exception e) when (Http1Exchange.IsConnectionFailure(e))
        {
            return new(ForwarderError.ResponseBodyDestination, e, false);
        }
    }

    private static async ValueTask<Relayed> CopyLengthAsync(UpstreamConnection connection, PipeWriter output, long length)
    {
        var input = connection.Input;
        var remaining = length;
        while (remaining > 0)
        {
            var read = await input.ReadAsync();
            if (read.IsCanceled)
            {
                return Stopped(connection);
            }

            var buffer = read.Buffer;
            if (buffer.IsEmpty && read.IsCompleted)
            {
                return new(ForwarderError.ResponseBodyDestination, new IOException("The upstream closed the connection before the body ended."), false);
            }

            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            Write(output, take);
            remaining -= take.Length;
            input.AdvanceTo(take.End);
            connection.Heard();
            if (!await Flushed(output))
            {
                return new(ForwarderError.ResponseBodyClient, null, false);
            }
        }

        // Bytes after the body that no request asked for: the connection is not trusted with another request.
        return new(ForwarderError.None, null, !HasMore(input));
    }

    private static async ValueTask<Relayed> CopyChunkedAsync(UpstreamConnection connection, PipeWriter output)
    {
        var input = connection.Input;
        var decoder = connection.Chunked;
        while (true)
        {
            var read = await input.ReadAsync();
            if (read.IsCanceled)
            {
                return Stopped(connection);
            }

            var buffer = read.Buffer;
            var wrote = false;
            while (true)
            {
                var item = decoder.Decode(buffer);
                switch (item.Status)
                {
                    case Http1ChunkedStatus.Data:
                        Write(output, buffer.Slice(item.Start, item.Length));
                        wrote = true;
                        buffer = buffer.Slice(item.Consumed);
                        continue;
                    case Http1ChunkedStatus.Trailer:
                        buffer = buffer.Slice(item.Consumed);
                        continue;
                    case Http1ChunkedStatus.Complete:
                        input.AdvanceTo(buffer.GetPosition(item.Consumed));
                        return await Flushed(output)
                            ? new(ForwarderError.None, null, !HasMore(input))
                            : new(ForwarderError.ResponseBodyClient, null, false);
                    case Http1ChunkedStatus.Invalid:
                        input.AdvanceTo(buffer.Start);
                        return await Broken(output, wrote, new InvalidDataException(item.Reason));
                }

                // NeedMoreData: the framing read so far is consumed; the rest waits for more bytes.
                buffer = buffer.Slice(item.Consumed);
                break;
            }

            if (read.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return await Broken(output, wrote, new IOException("The upstream closed the connection before the chunked body ended."));
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            connection.Heard();
            if (wrote && !await Flushed(output))
            {
                return new(ForwarderError.ResponseBodyClient, null, false);
            }
        }
    }

    private static async ValueTask<Relayed> CopyUntilCloseAsync(UpstreamConnection connection, PipeWriter output)
    {
        var input = connection.Input;
        while (true)
        {
            var read = await input.ReadAsync();
            if (read.IsCanceled)
            {
                return Stopped(connection);
            }

            Write(output, read.Buffer);
            input.AdvanceTo(read.Buffer.End);
            if (!await Flushed(output))
            {
                return new(ForwarderError.ResponseBodyClient, null, false);
            }

            if (read.IsCompleted)
            {
                return new(ForwarderError.None, null, false);
            }

            connection.Heard();
        }
    }

    /// <summary>
    /// The chunked body broke after <paramref name="wrote"/> data of this read went into Kestrel's pipe unflushed: flush
    /// it first, so the response has started and the error aborts the client connection. Left unflushed, the response
    /// would not count as started and the error path would answer a 502 carrying the upstream's cut body.
    /// </summary>
    private static async ValueTask<Relayed> Broken(PipeWriter output, bool wrote, Exception exception)
    {
        if (wrote)
        {
            await Flushed(output);
        }

        return new(ForwarderError.ResponseBodyDestination, exception, false);
    }

    /// <summary>A cancelled read: the client went away (its side failed), or the upstream stayed silent too long.</summary>
    private static Relayed Stopped(UpstreamConnection connection) => connection.Cancelled == CancelReason.Activity
        ? new(ForwarderError.ResponseBodyDestination, new TimeoutException("The upstream stayed silent past RequestTimeout."), false)
        : new(ForwarderError.ResponseBodyClient, null, false);

    private static void Write(PipeWriter output, in ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            output.Write(segment.Span);
        }
    }

    private static async ValueTask<bool> Flushed(PipeWriter output)
    {
        try
        {
            var flush = await output.FlushAsync();
            return !flush.IsCanceled && !flush.IsCompleted;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool HasMore(PipeReader input)
    {
        if (!input.TryRead(out var result))
        {
            return false;
        }

        input.AdvanceTo(result.Buffer.Start);
        return !result.Buffer.IsEmpty;
    }
}
