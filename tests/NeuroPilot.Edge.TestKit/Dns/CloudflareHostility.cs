using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>
/// A hostile way for the <see cref="CloudflareEmulator"/> to answer every request while it is set
/// (<see cref="CloudflareEmulator.Hostility"/>): what a broken or malicious API, or a path through a broken proxy, can
/// send a DNS pusher. Each answer is logged in <see cref="CloudflareEmulator.Requests"/> with its status; nothing in
/// the zone changes.
/// </summary>
public sealed class CloudflareHostility
{
    /// <summary>The expanded bomb bodies made so far, by size: a few hundred KB each, built once per process.</summary>
    private static readonly ConcurrentDictionary<long, Lazy<byte[]>> Bombs = new();

    private readonly Func<HttpContext, string, TimeProvider, Task> _write;

    private CloudflareHostility(string description, Func<HttpContext, string, TimeProvider, Task> write, int statusCode = 200)
    {
        Description = description;
        StatusCode = statusCode;
        _write = write;
    }

    /// <summary>What the answers are, for test output.</summary>
    public string Description { get; }

    /// <summary>The HTTP status of the answers (logged in <see cref="CloudflareEmulator.Requests"/> as the request arrives).</summary>
    public int StatusCode { get; }

    /// <summary>HTTP 429 with code 10429 and <c>Retry-After: seconds</c> (Cloudflare's rate-limit answer, with any wait).</summary>
    public static CloudflareHostility RetryAfter(long seconds) => new($"429 with Retry-After: {seconds}", async (context, _, _) =>
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.ContentType = "application/json";
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.Response.WriteAsync(
            """{"success":false,"errors":[{"code":10429,"message":"Rate limited. Please wait and consider throttling your request speed"}],"messages":[],"result":null}""",
            context.RequestAborted);
    }, 429);

    /// <summary>
    /// HTTP 200, <c>Content-Encoding: gzip</c>: a list answer that expands to <paramref name="expandedBytes"/> of valid
    /// JSON (one record at a name nobody asked for, repeated every 4 KiB with whitespace between, which deflate packs
    /// best), from a body of about expandedBytes / 700. The compressed body is made once per size, streaming: the
    /// expanded JSON is never held in memory.
    /// </summary>
    public static CloudflareHostility GzipBomb(long expandedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expandedBytes, 1024);
        var body = Bombs.GetOrAdd(expandedBytes, size => new Lazy<byte[]>(() => MakeBomb(size))).Value;
        return new($"gzip bomb: {body.Length / 1024} KiB expanding to {expandedBytes / (1024 * 1024)} MiB of JSON", async (context, _, _) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        });
    }

    /// <summary>HTTP 200, plain JSON (no compression) of <paramref name="bytes"/>: a valid list answer padded with one repeated record.</summary>
    public static CloudflareHostility Oversized(long bytes, bool sendContentLength = true) =>
        new($"plain {bytes / (1024 * 1024)} MiB JSON answer{(sendContentLength ? "" : ", chunked")}", async (context, _, _) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            if (sendContentLength)
            {
                context.Response.ContentLength = bytes;
            }

            await WriteRepeatedListAsync(context.Response.Body, bytes, 0, context.RequestAborted);
        });

    /// <summary>HTTP 200 announcing the whole list answer in <c>Content-Length</c>, sending half of it, then dropping the connection.</summary>
    public static CloudflareHostility TruncatedBody() => new("truncated body (half, then the connection dropped)", async (context, list, _) =>
    {
        var bytes = Encoding.UTF8.GetBytes(list);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        context.Abort();
    });

    /// <summary>HTTP 200 <c>application/json</c> with <paramref name="body"/> (by default an envelope cut in the middle of a record).</summary>
    public static CloudflareHostility MalformedJson(string body = """{"success":true,"errors":[],"result":[{"id":"1","name":"api.example.com","type":"A","content":"198.""") =>
        Json(body);

    /// <summary>Any answer: <paramref name="statusCode"/> and <paramref name="body"/> as <c>application/json</c> (an error message of 1 MiB...).</summary>
    public static CloudflareHostility Json(string body, int statusCode = 200) =>
        new($"HTTP {statusCode}, {body.Length} bytes of JSON", async (context, _, _) =>
        {
            context.Response.StatusCode = statusCode;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body, context.RequestAborted);
        }, statusCode);

    /// <summary>The normal list answer, one byte every <paramref name="perByte"/> (on the emulator's clock), flushed each time.</summary>
    public static CloudflareHostility Trickle(TimeSpan perByte) => new($"trickle: a byte every {perByte.TotalMilliseconds:0} ms", async (context, list, time) =>
    {
        var bytes = Encoding.UTF8.GetBytes(list);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        for (var i = 0; i < bytes.Length; i++)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(i, 1), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(perByte, time, context.RequestAborted);
        }
    });

    public override string ToString() => Description;

    /// <summary>Writes the answer; <paramref name="list"/> is the zone's normal list answer (JSON) for modes that distort it.</summary>
    internal Task WriteAsync(HttpContext context, string list, TimeProvider time) => _write(context, list, time);

    private static byte[] MakeBomb(long expandedBytes)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            WriteRepeatedListAsync(gzip, expandedBytes, 4096, CancellationToken.None).GetAwaiter().GetResult();
        }

        return compressed.ToArray();
    }

    /// <summary>
    /// Exactly <paramref name="total"/> bytes of a valid list envelope: one record repeated (each padded with spaces to
    /// <paramref name="padTo"/> bytes when that is longer), then spaces, then the end. Written in 64 KB chunks.
    /// </summary>
    private static async Task WriteRepeatedListAsync(Stream stream, long total, int padTo, CancellationToken cancellationToken)
    {
        var head = Encoding.ASCII.GetBytes("""{"success":true,"errors":[],"messages":[],"result":[""");
        var record = Encoding.ASCII.GetBytes(
            """{"id":"0123456789abcdef0123456789abcdef","zone_name":"example.com","name":"filler.example.com","type":"A","content":"198.51.100.99","proxiable":true,"proxied":false,"ttl":60},"""
                .PadRight(padTo));
        var last = Encoding.ASCII.GetBytes(
            """{"id":"0123456789abcdef0123456789abcdee","zone_name":"example.com","name":"filler.example.com","type":"A","content":"198.51.100.98","proxiable":true,"proxied":false,"ttl":60}""");
        var tail = Encoding.ASCII.GetBytes("""],"result_info":{"page":1,"per_page":5000,"count":1,"total_count":1,"total_pages":1}}""");
        var fixedLength = head.Length + last.Length + tail.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(total, fixedLength);

        await stream.WriteAsync(head, cancellationToken);
        var records = (total - fixedLength) / record.Length;
        var padding = (total - fixedLength) % record.Length;
        var chunk = new byte[record.Length * (65_536 / record.Length)];
        for (var offset = 0; offset < chunk.Length; offset += record.Length)
        {
            record.CopyTo(chunk, offset);
        }

        var perChunk = chunk.Length / record.Length;
        for (var left = records; left > 0; left -= perChunk)
        {
            var count = (int)Math.Min(left, perChunk);
            await stream.WriteAsync(chunk.AsMemory(0, count * record.Length), cancellationToken);
        }

        await stream.WriteAsync(last, cancellationToken);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(new string(' ', (int)padding)), cancellationToken);
        await stream.WriteAsync(tail, cancellationToken);
    }
}
