using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// One request a <see cref="RecordingUpstream"/> read off a connection: its bytes exactly as received (head, and the
/// body with its framing: chunk sizes, extensions and trailers included), and whether it ended (framing complete)
/// before the connection did. <see cref="HeadLength"/> counts the head with its blank line; it is 0 when the
/// connection ended (or 256 KiB came) before the head did, and then <see cref="Raw"/> is what came of it.
/// </summary>
public sealed record RecordedRequest(int Connection, int Listener, byte[] Raw, int HeadLength, bool Complete)
{
    /// <summary>The head as Latin-1 text, request line first, without the blank line.</summary>
    public string Head => Encoding.Latin1.GetString(Raw, 0, Math.Max(0, HeadLength - 4));

    public string RequestLine => Head.Split("\r\n", 2)[0];

    /// <summary>The edge's own health probe (<c>GET /healthz</c>): never part of what a test compares.</summary>
    public bool IsProbe => RequestLine.StartsWith("GET /healthz ", StringComparison.Ordinal);

    public string Target => RequestLine.Split(' ') is { Length: >= 2 } parts ? parts[1] : "";

    /// <summary>The first value of <paramref name="name"/> in the head, or null.</summary>
    public string? Header(string name)
    {
        foreach (var line in Head.Split("\r\n").AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
