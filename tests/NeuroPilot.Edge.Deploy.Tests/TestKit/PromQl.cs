using System.Text.RegularExpressions;

namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>Helpers over PromQL text: the metric names an expression reads, and Grafana variables filled in.</summary>
public static partial class PromQl
{
    public static IReadOnlySet<string> MetricNames(string expr) =>
        MetricName().Matches(expr).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Fills the dashboard's variables the way Grafana does with "All" selected and a 1 s scrape interval
    /// (<c>$__rate_interval</c> is at least four scrape intervals; 1m is ample).
    /// </summary>
    public static string FillGrafanaVariables(string expr) => expr
        .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
        .Replace("$__interval", "1s", StringComparison.Ordinal)
        .Replace("$__range", "5m", StringComparison.Ordinal)
        .Replace("$job", "neuropilot-edge", StringComparison.Ordinal)
        .Replace("$instance", ".*", StringComparison.Ordinal)
        .Replace("$service", ".*", StringComparison.Ordinal)
        .Replace("$region", ".*", StringComparison.Ordinal);

    [GeneratedRegex(@"\b(?:neuropilot_edge_[a-z0-9_]+|process_[a-z0-9_]+|up)\b(?!\s*\()")]
    private static partial Regex MetricName();
}
