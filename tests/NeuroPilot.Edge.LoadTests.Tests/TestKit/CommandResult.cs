namespace NeuroPilot.Edge.LoadTests.Tests.TestKit;

/// <summary>Exit code and output of one command.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
