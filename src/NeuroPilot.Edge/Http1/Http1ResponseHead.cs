namespace NeuroPilot.Edge.Http1;

/// <summary>A parsed upstream response head and its framing (see <see cref="Http1ResponseParser"/>).</summary>
public sealed class Http1ResponseHead : Http1Head
{
    private int _reasonStart;
    private int _reasonLength;

    public int StatusCode { get; private set; }

    /// <summary>The reason-phrase as sent (possibly empty); clients ignore it (RFC 9112 §4).</summary>
    public ReadOnlySpan<byte> ReasonPhrase => Raw.Slice(_reasonStart, _reasonLength);

    /// <summary>A 1xx other than 101: another response head follows on the same connection.</summary>
    public bool IsInterim => StatusCode is >= 100 and < 200 and not 101;

    /// <summary>101 Switching Protocols: after this head the connection carries the upgraded protocol.</summary>
    public bool IsSwitchingProtocols => StatusCode == 101;

    public override void Reset()
    {
        base.Reset();
        StatusCode = 0;
        _reasonStart = _reasonLength = 0;
    }

    internal void SetStatusLine(int versionMinor, int statusCode, int reasonStart, int reasonLength)
    {
        VersionMinor = versionMinor;
        StatusCode = statusCode;
        _reasonStart = reasonStart;
        _reasonLength = reasonLength;
    }

    internal void SetFraming(Http1BodyKind kind, long contentLength, bool keepAlive)
    {
        BodyKind = kind;
        ContentLength = contentLength;
        KeepAlive = keepAlive;
    }
}
