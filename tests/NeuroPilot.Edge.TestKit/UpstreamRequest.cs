namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// One request as a test upstream saw it: its sequence number (1 for the first request the process saw), request
/// line, headers (<c>Name: value</c>, as the upstream's server parsed them) and how its handling ended:
/// <c>running</c>, <c>completed</c>, <c>aborted</c> (the connection went away) or <c>failed: EXCEPTION</c> (for
/// <c>/echo</c> and <c>/upload</c>, which read the whole body: a body cut short or malformed).
/// </summary>
public sealed record UpstreamRequest(
    string Region,
    long Sequence,
    string Method,
    string Target,
    string Protocol,
    string Outcome,
    IReadOnlyList<string> Headers)
{
    public bool IsRunning => Outcome == "running";

    public bool Completed => Outcome == "completed";

    /// <summary>The value of the header named <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var line in Headers)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon == name.Length && line.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>An active health probe of the edge (<c>GET /healthz</c> with the prober's User-Agent).</summary>
    public bool IsEdgeProbe =>
        Target == "/healthz" && Header("User-Agent")?.StartsWith("neuropilot-edge-probe/", StringComparison.Ordinal) == true;

    public override string ToString() => $"{Region} #{Sequence}: {Method} {Target} {Protocol} ({Outcome}) [{string.Join(" | ", Headers)}]";
}
