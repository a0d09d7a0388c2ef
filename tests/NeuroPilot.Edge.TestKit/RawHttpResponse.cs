namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>One complete HTTP/1.x response read off the wire: status line, headers and body (de-chunked).</summary>
public sealed record RawHttpResponse(RawHttpResponseHead Head, byte[] Body)
{
    public int Status => Head.Status;

    public string BodyText => System.Text.Encoding.Latin1.GetString(Body);
}
