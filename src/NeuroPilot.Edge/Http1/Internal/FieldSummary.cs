namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>
/// One pass over a parsed head's fields collecting what framing and connection handling depend on, so the request
/// and response rules read as decisions over facts. <see cref="Problem"/> is the first syntax error found in those
/// fields (a Content-Length that is not 1*DIGIT, a Connection or Expect list that is not tokens).
/// </summary>
internal struct FieldSummary
{
    public string? Problem;
    public int HostCount;
    public int HostIndex;
    public int ContentLengthCount;
    public long ContentLength;
    public TransferCoding Coding;
    public bool ConnectionClose;
    public bool ConnectionKeepAlive;
    public bool ConnectionUpgrade;
    public bool HasUpgrade;
    public bool ExpectContinue;
    public bool ExpectOther;

    private int _codings;
    private int _chunked;
    private bool _lastIsChunked;

    public static FieldSummary Read(Http1Head head)
    {
        var summary = default(FieldSummary);
        for (var i = 0; i < head.FieldCount; i++)
        {
            var known = head.FieldAt(i).Known;
            if (known != Http1KnownHeader.None)
            {
                summary.Add(known, head.ValueAt(i), i);
            }
        }

        summary.Coding = summary.Classify();
        return summary;
    }

    private void Add(Http1KnownHeader known, ReadOnlySpan<byte> value, int index)
    {
        switch (known)
        {
            case Http1KnownHeader.Host:
                HostCount++;
                HostIndex = index;
                break;
            case Http1KnownHeader.ContentLength:
                ContentLengthCount++;
                if (!FieldSyntax.TryParseDecimal(value, out ContentLength))
                {
                    Problem ??= "a Content-Length that is not 1*DIGIT, or too large";
                }

                break;
            case Http1KnownHeader.TransferEncoding:
                AddCodings(value);
                break;
            case Http1KnownHeader.Connection:
                AddConnectionOptions(value);
                break;
            case Http1KnownHeader.Expect:
                AddExpectations(value);
                break;
            case Http1KnownHeader.Upgrade:
                HasUpgrade = true;
                break;
        }
    }

    private void AddCodings(ReadOnlySpan<byte> value)
    {
        Coding = TransferCoding.Empty; // present, even when the field holds no coding
        while (FieldSyntax.NextElement(ref value, out var coding))
        {
            _codings++;
            _lastIsChunked = FieldSyntax.EqualsIgnoreCase(coding, "chunked"u8);
            _chunked += _lastIsChunked ? 1 : 0;
        }
    }

    private void AddConnectionOptions(ReadOnlySpan<byte> value)
    {
        while (FieldSyntax.NextElement(ref value, out var option))
        {
            if (!FieldSyntax.IsToken(option))
            {
                Problem ??= "a Connection option that is not a token";
            }

            ConnectionClose |= FieldSyntax.EqualsIgnoreCase(option, "close"u8);
            ConnectionKeepAlive |= FieldSyntax.EqualsIgnoreCase(option, "keep-alive"u8);
            ConnectionUpgrade |= FieldSyntax.EqualsIgnoreCase(option, "upgrade"u8);
        }
    }

    private void AddExpectations(ReadOnlySpan<byte> value)
    {
        while (FieldSyntax.NextElement(ref value, out var expectation))
        {
            if (FieldSyntax.EqualsIgnoreCase(expectation, "100-continue"u8))
            {
                ExpectContinue = true;
            }
            else
            {
                ExpectOther = true;
            }
        }
    }

    private readonly TransferCoding Classify()
    {
        if (Coding == TransferCoding.Absent || _codings == 0)
        {
            return Coding;
        }

        if (!_lastIsChunked)
        {
            return TransferCoding.NotChunkedLast;
        }

        if (_chunked > 1)
        {
            return TransferCoding.ChunkedTwice;
        }

        return _codings > 1 ? TransferCoding.ChunkedAfterOthers : TransferCoding.Chunked;
    }
}
