namespace NeuroPilot.Edge.LoadTests.Peers;

/// <summary>A peer could not be started; the message includes what it printed.</summary>
internal sealed class PeerStartException : Exception
{
    public PeerStartException()
    {
    }

    public PeerStartException(string message)
        : base(message)
    {
    }

    public PeerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
