namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>The outcome of one PromQL instant query: status, error, number of series (or 1 for a scalar).</summary>
public sealed record PromQueryResult(string Expr, string Status, string? Error, int Count, string Body)
{
    public bool Succeeded => Status == "success";

    public override string ToString() => Succeeded ? $"{Count} series: {Expr}" : $"{Status} ({Error}): {Expr}";
}
