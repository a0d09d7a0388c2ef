namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// Reads API answer bodies with a cap on the bytes taken in: those the caller sees, that is after decompression (the
/// handler inflates gzip and brotli as it is read), counted as they arrive. A body announcing more than the cap in
/// <c>Content-Length</c> is not read at all; any other stops being read one byte past the cap. The bytes go into one
/// buffer kept from call to call: 16 KiB, then (for a longer body) the cap plus one byte at once, left unzeroed so
/// that only the pages a body fills are resident. An answer over the cap (a gzip bomb every round) costs the cap once,
/// then nothing more round after round (measured: JIT edge 77 MiB RSS with good answers, 86-90 MiB with a 200 MiB bomb
/// every second; growing by doubling left ~18 MiB more of garbage). Thread-safe: a call that finds the buffer in use
/// makes its own.
/// </summary>
internal sealed class AnswerReader(int maxBytes)
{
    private const int FirstBuffer = 16 * 1024;

    private byte[]? _kept;

    public int MaxBytes => maxBytes;

    /// <summary>The whole body (dispose it to give the buffer back), or <see cref="AnswerBody.TooLarge"/>.</summary>
    public async Task<AnswerBody> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } announced && announced > maxBytes)
        {
            return AnswerBody.TooLarge;
        }

        var buffer = Interlocked.Exchange(ref _kept, null) ?? new byte[FirstBuffer];
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken);
            await using (stream)
            {
                var length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (length > maxBytes)
                        {
                            return AnswerBody.TooLarge;
                        }

                        // One step to the cap (plus the byte that shows a longer body), not zeroed: only the pages the
                        // body fills become resident, and growing by doubling would leave ~8 MiB of garbage behind.
                        var larger = GC.AllocateUninitializedArray<byte>(maxBytes + 1);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        buffer = larger;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }

                if (length > maxBytes)
                {
                    return AnswerBody.TooLarge;
                }

                var body = new AnswerBody(this, buffer, length);
                buffer = null;
                return body;
            }
        }
        finally
        {
            if (buffer is not null)
            {
                Return(buffer);
            }
        }
    }

    /// <summary>Keeps <paramref name="buffer"/> for the next call.</summary>
    internal void Return(byte[] buffer) => Volatile.Write(ref _kept, buffer);
}
