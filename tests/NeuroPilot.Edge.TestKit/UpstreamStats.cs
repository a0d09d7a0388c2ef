using System.Text.Json;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// What a test upstream reports at <c>GET /_upstream/stats</c>: the requests it has seen since it started (control
/// requests aside) and, while recording, the last ones, oldest first.
/// </summary>
public sealed record UpstreamStats(string Region, long Requests, IReadOnlyList<UpstreamRequest> Recent)
{
    public static UpstreamStats Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var recent = new List<UpstreamRequest>();
        foreach (var seen in root.GetProperty("recent").EnumerateArray())
        {
            recent.Add(new UpstreamRequest(
                root.GetProperty("region").GetString()!,
                seen.GetProperty("sequence").GetInt64(),
                seen.GetProperty("method").GetString()!,
                seen.GetProperty("target").GetString()!,
                seen.GetProperty("protocol").GetString()!,
                seen.GetProperty("outcome").GetString()!,
                seen.GetProperty("headers").EnumerateArray().Select(header => header.GetString()!).ToArray()));
        }

        return new UpstreamStats(root.GetProperty("region").GetString()!, root.GetProperty("requests").GetInt64(), recent);
    }
}
