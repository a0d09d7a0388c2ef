namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>One sd_notify datagram as received: newline-separated <c>KEY=VALUE</c> assignments, and when it came.</summary>
public sealed record NotifyMessage(TimeSpan ReceivedAt, string Text)
{
    public IReadOnlyList<string> Assignments => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public bool Has(string assignment) => Assignments.Contains(assignment);

    public override string ToString() => $"{ReceivedAt.TotalMilliseconds:0} ms: {Text.Replace("\n", "\\n", StringComparison.Ordinal)}";
}
