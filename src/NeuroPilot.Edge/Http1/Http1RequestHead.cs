namespace NeuroPilot.Edge.Http1;

/// <summary>A parsed request head and the framing and connection decisions taken from it (see <see cref="Http1RequestParser"/>).</summary>
public sealed class Http1RequestHead : Http1Head
{
    private int _methodLength;
    private int _targetStart;
    private int _targetLength;
    private int _hostStart;
    private int _hostLength;

    public Http1Method Method { get; private set; }

    public ReadOnlySpan<byte> MethodBytes => Raw[.._methodLength];

    /// <summary>The request-target exactly as sent.</summary>
    public ReadOnlySpan<byte> Target => Raw.Slice(_targetStart, _targetLength);

    public Http1TargetForm TargetForm { get; private set; }

    /// <summary>Whether a Host (or, in absolute-form, a target authority) was sent; HTTP/1.0 may omit it.</summary>
    public bool HasHost { get; private set; }

    /// <summary>The host the request is for: the authority of an absolute-form target, else the Host field's value.</summary>
    public ReadOnlySpan<byte> Host => Raw.Slice(_hostStart, _hostLength);

    /// <summary>The client sent <c>Expect: 100-continue</c> in an HTTP/1.1 request (RFC 9110 §10.1.1).</summary>
    public bool ExpectContinue { get; private set; }

    /// <summary>An HTTP/1.1 request with an Upgrade field and the <c>upgrade</c> connection option (RFC 9110 §7.8).</summary>
    public bool IsUpgrade { get; private set; }

    public override void Reset()
    {
        base.Reset();
        _methodLength = _targetStart = _targetLength = _hostStart = _hostLength = 0;
        Method = Http1Method.Other;
        TargetForm = Http1TargetForm.Origin;
        HasHost = ExpectContinue = IsUpgrade = false;
    }

    internal void SetRequestLine(Http1Method method, int methodLength, int targetStart, int targetLength, Http1TargetForm form, int versionMinor)
    {
        Method = method;
        _methodLength = methodLength;
        _targetStart = targetStart;
        _targetLength = targetLength;
        TargetForm = form;
        VersionMinor = versionMinor;
    }

    internal void SetHost(int start, int length)
    {
        HasHost = true;
        _hostStart = start;
        _hostLength = length;
    }

    internal void SetFraming(Http1BodyKind kind, long contentLength, bool keepAlive, bool expectContinue, bool isUpgrade)
    {
        BodyKind = kind;
        ContentLength = contentLength;
        KeepAlive = keepAlive;
        ExpectContinue = expectContinue;
        IsUpgrade = isUpgrade;
    }
}
