namespace NeuroPilot.Edge.LoadTests.Http.Internal;

/// <summary>The target sent something that is not a valid HTTP/1.x response.</summary>
internal sealed class Http1ProtocolException : Exception
{
    public Http1ProtocolException()
    {
    }

    public Http1ProtocolException(string message)
        : base(message)
    {
    }

    public Http1ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
