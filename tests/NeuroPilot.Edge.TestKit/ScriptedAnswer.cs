using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>What a <see cref="ScriptedUpstream"/> writes back for one request: raw bytes, after an optional delay.</summary>
public sealed record ScriptedAnswer(byte[] Bytes, bool Close = false, TimeSpan Delay = default)
{
    /// <summary>The answer exactly as written (status line, headers, blank line, body), Latin-1 encoded.</summary>
    public static ScriptedAnswer Raw(string text, bool close = false, TimeSpan delay = default) =>
        new(Encoding.Latin1.GetBytes(text), close, delay);

    /// <summary>A well-formed response with a text body.</summary>
    public static ScriptedAnswer Text(int status, string body, TimeSpan delay = default) =>
        Raw($"HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.Latin1.GetByteCount(body)}\r\n\r\n{body}", delay: delay);
}
