namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>How a raw exchange's connection ended, as the client saw it.</summary>
public enum RawConnectionEnd
{
    /// <summary>The server closed the connection (FIN).</summary>
    Closed,

    /// <summary>The server reset the connection (RST).</summary>
    Reset,

    /// <summary>The connection was still open when the client stopped waiting.</summary>
    LeftOpen,
}
