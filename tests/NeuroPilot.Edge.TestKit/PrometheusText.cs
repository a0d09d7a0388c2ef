using System.Globalization;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>Reads samples out of a Prometheus text exposition (<c>/metrics</c>).</summary>
public static class PrometheusText
{
    /// <summary>
    /// The sum of every sample of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>
    /// (<c>service="api"</c>...); null when no sample matches.
    /// </summary>
    public static double? Sum(string text, string metric, params (string Name, string Value)[] labels)
    {
        double? sum = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(metric, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[metric.Length..];
            string labelText;
            string valueText;
            if (rest.StartsWith('{'))
            {
                var close = rest.LastIndexOf('}');
                labelText = rest[1..close];
                valueText = rest[(close + 1)..].Trim();
            }
            else if (rest.StartsWith(' '))
            {
                labelText = "";
                valueText = rest.Trim();
            }
            else
            {
                continue; // another metric with this one's name as prefix
            }

            var parsed = ParseLabels(labelText);
            if (labels.All(label => parsed.TryGetValue(label.Name, out var value) && value == label.Value))
            {
                var value = double.Parse(valueText.Split(' ')[0], CultureInfo.InvariantCulture);
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }

    private static Dictionary<string, string> ParseLabels(string text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            if (equals < 0 || equals + 1 >= text.Length || text[equals + 1] != '"')
            {
                break;
            }

            var name = text[i..equals].Trim();
            var value = new System.Text.StringBuilder();
            var j = equals + 2;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            labels[name] = value.ToString();
            i = j + 1;
            while (i < text.Length && text[i] is ',' or ' ')
            {
                i++;
            }
        }

        return labels;
    }
}
