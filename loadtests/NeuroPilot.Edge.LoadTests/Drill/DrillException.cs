namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>The drill could not set up or run its processes (exit code 1); the message says what happened.</summary>
internal sealed class DrillException : Exception
{
    public DrillException()
    {
    }

    public DrillException(string message)
        : base(message)
    {
    }

    public DrillException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
