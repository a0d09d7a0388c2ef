using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NeuroPilot.Edge.LoadTests.Http;

/// <summary>
/// The one request a run sends over and over, serialized once: method, URL, headers and a body of
/// <see cref="BodySize"/> bytes. Plain <c>http://</c> over HTTP/1.1 with keep-alive.
/// </summary>
internal sealed class HttpTarget
{
    private HttpTarget(Uri url, string method, IReadOnlyList<KeyValuePair<string, string>> headers, int bodySize, byte[] request)
    {
        Url = url;
        Method = method;
        Headers = headers;
        BodySize = bodySize;
        RequestBytes = request;
    }

    public Uri Url { get; }

    public string Method { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public int BodySize { get; }

    /// <summary>The whole request as written on the wire.</summary>
    public byte[] RequestBytes { get; }

    public bool IsHead => Method == "HEAD";

    /// <summary>A response header whose value each response is tagged with (<see cref="WithResponseTag"/>), or null.</summary>
    public string? TagHeader { get; private init; }

    /// <summary>The values of <see cref="TagHeader"/> told apart; a response's tag is 1 + the index of its value.</summary>
    public IReadOnlyList<string> TagValues { get; private init; } = [];

    /// <summary>
    /// The same request, with every response tagged by the value of <paramref name="header"/> among
    /// <paramref name="values"/> (a drill tells regions apart by <c>X-Upstream-Region</c>).
    /// </summary>
    public HttpTarget WithResponseTag(string header, IReadOnlyList<string> values) =>
        new(Url, Method, Headers, BodySize, RequestBytes) { TagHeader = header, TagValues = [.. values] };

    /// <summary>Builds a target; throws <see cref="ArgumentException"/> with a user-facing message when a part is invalid.</summary>
    public static HttpTarget Create(string url, string method, IReadOnlyList<KeyValuePair<string, string>> headers, int bodySize)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || string.IsNullOrEmpty(uri.Host))
        {
            var hint = uri?.Scheme == Uri.UriSchemeHttps ? " (https is not supported: the harness measures plain HTTP/1.1)" : "";
            throw new ArgumentException($"\"{url}\" is not an absolute http:// URL{hint}");
        }

        if (method.Length == 0 || !IsToken(method))
        {
            throw new ArgumentException($"\"{method}\" is not an HTTP method");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(bodySize);
        var hasHost = false;
        var hasUserAgent = false;
        foreach (var (name, value) in headers)
        {
            if (name.Length == 0 || !IsToken(name))
            {
                throw new ArgumentException($"\"{name}\" is not a valid header name");
            }

            if (value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException($"the value of header \"{name}\" contains a line break");
            }

            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"header \"{name}\" is set by the harness (use --body-size)");
            }

            hasHost |= name.Equals("Host", StringComparison.OrdinalIgnoreCase);
            hasUserAgent |= name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase);
        }

        var text = new StringBuilder();
        text.Append(method).Append(' ').Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n");
        if (!hasHost)
        {
            text.Append("Host: ").Append(uri.Authority).Append("\r\n");
        }

        if (!hasUserAgent)
        {
            text.Append("User-Agent: neuropilot-loadtest\r\n");
        }

        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value.Trim()).Append("\r\n");
        }

        if (bodySize > 0 || method is "POST" or "PUT" or "PATCH")
        {
            text.Append("Content-Length: ").Append(bodySize).Append("\r\n");
        }

        text.Append("\r\n");
        var head = Encoding.ASCII.GetByteCount(text.ToString());
        var request = new byte[head + bodySize];
        Encoding.ASCII.GetBytes(text.ToString(), request);
        request.AsSpan(head).Fill((byte)'x');
        return new HttpTarget(uri, method, headers, bodySize, request);
    }

    /// <summary>Resolves the host once; the run then connects to that address only.</summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(Url.IdnHost, out var literal))
        {
            return new IPEndPoint(literal, Url.Port);
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(Url.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new TargetUnreachableException($"cannot resolve \"{Url.IdnHost}\": {e.Message}", e);
        }

        var address = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new TargetUnreachableException($"\"{Url.IdnHost}\" has no address");
        return new IPEndPoint(address, Url.Port);
    }

    private static bool IsToken(string text)
    {
        foreach (var c in text)
        {
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
