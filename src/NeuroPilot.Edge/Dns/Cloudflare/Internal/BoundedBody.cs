namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// Reads an HTTP answer's body with a cap on the bytes taken in: those the caller sees, that is after decompression
/// (the handler inflates gzip and brotli as it is read), counted as they arrive. A body announcing more than the cap in
/// <c>Content-Length</c> is not read at all; any other stops being read at the cap plus one byte. So neither a large
/// answer nor a small one that inflates (a gzip bomb) can take more memory than the cap.
/// </summary>
internal static class BoundedBody
{
    private const int FirstBuffer = 16 * 1024;

    /// <summary>The whole body, or null when it is longer than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } announced && announced > maxBytes)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // Room for one byte past the cap: reading it is how a longer body shows.
            var buffer = new byte[(int)Math.Min(content.Headers.ContentLength + 1 ?? FirstBuffer, maxBytes + 1L)];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        return null;
                    }

                    Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > maxBytes)
            {
                return null;
            }

            if (length != buffer.Length)
            {
                Array.Resize(ref buffer, length);
            }

            return buffer;
        }
    }
}
