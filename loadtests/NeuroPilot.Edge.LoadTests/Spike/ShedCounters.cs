using System.Globalization;
using System.Text;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// The edge's own count of shed requests: <c>neuropilot_edge_requests_shed_total{service,reason}</c> from its
/// <c>/metrics</c> (Prometheus text format), summed by reason for one service.
/// </summary>
internal static class ShedCounters
{
    public const string Metric = "neuropilot_edge_requests_shed_total";

    /// <summary>
    /// The counter's value by <c>reason</c> for <paramref name="service"/> (series without a service label count too);
    /// empty when the edge has no such series (no limits, or nothing shed yet).
    /// </summary>
    public static IReadOnlyDictionary<string, double> Parse(string metrics, string service)
    {
        var byReason = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var rawLine in metrics.AsSpan().EnumerateLines())
        {
            var line = rawLine.Trim();
            if (!line.StartsWith(Metric, StringComparison.Ordinal) || line.Length == Metric.Length ||
                (line[Metric.Length] != '{' && line[Metric.Length] != ' '))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var rest = line[Metric.Length..];
            if (rest[0] == '{')
            {
                var end = ParseLabels(rest, labels);
                if (end < 0)
                {
                    continue;
                }

                rest = rest[(end + 1)..];
            }

            // The value, then an optional timestamp.
            rest = rest.Trim();
            var space = rest.IndexOf(' ');
            var valueText = space < 0 ? rest : rest[..space];
            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            if (labels.TryGetValue("service", out var labelService) && labelService != service)
            {
                continue;
            }

            var reason = labels.GetValueOrDefault("reason") ?? "unknown";
            byReason[reason] = byReason.GetValueOrDefault(reason) + value;
        }

        return byReason;
    }

    /// <summary>Fetches <paramref name="metricsUrl"/> and parses it; null when the edge did not answer (a busy edge may not).</summary>
    public static async Task<IReadOnlyDictionary<string, double>?> ScrapeAsync(HttpClient client, Uri metricsUrl, string service, CancellationToken cancellationToken)
    {
        try
        {
            var text = await client.GetStringAsync(metricsUrl, cancellationToken).ConfigureAwait(false);
            return Parse(text, service);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>What was added between two scrapes, by reason; null when either is missing.</summary>
    public static IReadOnlyDictionary<string, double>? Delta(IReadOnlyDictionary<string, double>? from, IReadOnlyDictionary<string, double>? to)
    {
        if (from is null || to is null)
        {
            return null;
        }

        var delta = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (reason, value) in to)
        {
            delta[reason] = value - from.GetValueOrDefault(reason);
        }

        return delta;
    }

    /// <summary>Parses <c>{a="x",b="y"}</c> at the start of <paramref name="text"/>; returns the index of the <c>}</c>, or -1.</summary>
    private static int ParseLabels(ReadOnlySpan<char> text, Dictionary<string, string> labels)
    {
        var i = 1;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || text[i] == ' '))
            {
                i++;
            }

            if (i < text.Length && text[i] == '}')
            {
                return i;
            }

            var equals = text[i..].IndexOf('=');
            if (equals < 0 || i + equals + 1 >= text.Length || text[i + equals + 1] != '"')
            {
                return -1;
            }

            var name = text.Slice(i, equals).Trim().ToString();
            i += equals + 2;
            var value = new StringBuilder();
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                    value.Append(text[i] == 'n' ? '\n' : text[i]);
                }
                else
                {
                    value.Append(text[i]);
                }

                i++;
            }

            if (i >= text.Length)
            {
                return -1;
            }

            labels[name] = value.ToString();
            i++;
        }

        return -1;
    }
}
