namespace NeuroPilot.Edge.LoadTests.Http;

/// <summary>The target could not be resolved or not a single connection to it could be opened.</summary>
internal sealed class TargetUnreachableException : Exception
{
    public TargetUnreachableException()
    {
    }

    public TargetUnreachableException(string message)
        : base(message)
    {
    }

    public TargetUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
