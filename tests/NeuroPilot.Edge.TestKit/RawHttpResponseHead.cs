namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>The status line and headers of an HTTP/1.1 response, as read off the wire.</summary>
public sealed record RawHttpResponseHead(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The value of the first header named <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    public bool IsChunked => Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;
}
