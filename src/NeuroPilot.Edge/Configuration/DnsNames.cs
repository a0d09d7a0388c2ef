namespace NeuroPilot.Edge.Configuration;

/// <summary>Canonical spelling of DNS names: lower case, no trailing dot.</summary>
public static class DnsNames
{
    public static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    /// <summary>True when <paramref name="name"/> is <paramref name="zone"/> or below it.</summary>
    public static bool IsInZone(string name, string zone)
    {
        name = Normalize(name);
        zone = Normalize(zone);
        return name == zone || name.EndsWith("." + zone, StringComparison.Ordinal);
    }
}
