namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>Bad command-line arguments: the message tells the user what to fix (exit code 2).</summary>
internal sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
