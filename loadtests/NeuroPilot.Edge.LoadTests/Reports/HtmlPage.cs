using System.Net;
using System.Text;

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>
/// The shell of every HTML report: one file, inline CSS, system fonts, no script and no external resource
/// (machines running it are offline). Written as well-formed XHTML so tools can parse it.
/// </summary>
internal static class HtmlPage
{
    private const string Css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f3f4f6; color: #111827;
               font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1080px; margin: 0 auto; padding: 28px 24px 48px; }
        header { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
        h1 { font-size: 24px; margin: 0; }
        h2 { font-size: 18px; margin: 0 0 4px; }
        .sub { color: #4b5563; margin: 6px 0 20px; }
        .verdict { font-weight: 700; letter-spacing: 0.04em; padding: 4px 12px; border-radius: 999px; font-size: 14px; }
        .pass { background: #dcfce7; color: #166534; }
        .fail { background: #fee2e2; color: #991b1b; }
        .none { background: #e5e7eb; color: #374151; }
        section { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 18px 20px; margin: 16px 0; }
        .note { color: #6b7280; font-size: 13px; margin: 0 0 10px; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(138px, 1fr)); gap: 12px;
                 background: none; border: none; padding: 0; }
        .card { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 12px 14px; }
        .card .label { color: #6b7280; font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; }
        .card .value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
        .card .detail { color: #6b7280; font-size: 12px; }
        .card.bad { border-color: #fca5a5; background: #fff7f7; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eef0f3; }
        th { color: #4b5563; font-weight: 600; font-size: 13px; }
        td.num, th.num { text-align: right; }
        .ok { color: #166534; font-weight: 600; }
        .breach { color: #b91c1c; font-weight: 700; }
        .chart { display: block; max-width: 100%; height: auto; }
        .chart text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #374151; }
        .chart .tick { font-size: 12px; fill: #4b5563; }
        .chart .axis-label { font-size: 13px; font-weight: 600; }
        .chart .legend { font-size: 13px; }
        .chart .ref { font-size: 12px; font-weight: 600; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
        footer { color: #6b7280; font-size: 12px; margin-top: 24px; }
        code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
        """;

    public static string Render(string title, string body)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
        html.Append("<title>").Append(Encode(title)).Append("</title>\n");
        html.Append("<style>\n").Append(Css).Append("\n</style>\n</head>\n<body>\n<main>\n");
        html.Append(body);
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A figure card: label, big value, small detail; <paramref name="bad"/> tints it red.</summary>
    public static string Card(string label, string value, string detail, bool bad = false) =>
        $"<div class=\"card{(bad ? " bad" : "")}\"><div class=\"label\">{Encode(label)}</div><div class=\"value\">{Encode(value)}</div><div class=\"detail\">{Encode(detail)}</div></div>\n";

    /// <summary>A table; columns whose header starts with '#' are right-aligned numbers (the '#' is dropped). Cells are raw HTML.</summary>
    public static string Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var html = new StringBuilder("<table>\n<thead><tr>");
        var numeric = headers.Select(h => h.StartsWith('#')).ToArray();
        for (var i = 0; i < headers.Count; i++)
        {
            var header = numeric[i] ? headers[i][1..] : headers[i];
            html.Append(numeric[i] ? "<th class=\"num\">" : "<th>").Append(Encode(header)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            for (var i = 0; i < row.Count; i++)
            {
                html.Append(i < numeric.Length && numeric[i] ? "<td class=\"num\">" : "<td>").Append(row[i]).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
        return html.ToString();
    }

    /// <summary>A PASS / BREACHED / no-budget pill.</summary>
    public static string Verdict(bool hasBudgets, bool passed) =>
        !hasBudgets ? "<span class=\"verdict none\">NO BUDGET</span>"
        : passed ? "<span class=\"verdict pass\">PASS</span>"
        : "<span class=\"verdict fail\">BREACHED</span>";

    public static string PassCell(bool passed) =>
        passed ? "<span class=\"ok\">pass</span>" : "<span class=\"breach\">BREACHED</span>";
}
