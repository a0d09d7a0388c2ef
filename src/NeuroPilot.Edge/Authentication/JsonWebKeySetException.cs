namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// A JWKS file that cannot be used at all. The message completes a sentence about the file, without its path
/// (<c>is not a JWKS: not valid JSON</c>): the caller names the file or the config key.
/// </summary>
public sealed class JsonWebKeySetException : Exception
{
    public JsonWebKeySetException()
    {
    }

    public JsonWebKeySetException(string message)
        : base(message)
    {
    }

    public JsonWebKeySetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
