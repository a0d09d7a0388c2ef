namespace NeuroPilot.Edge.Tls;

/// <summary>
/// Picks the certificate of a handshake from the name the client asked for (SNI): an exact DNS name of a certificate
/// first, else a <c>*.example.com</c> name covering exactly one more label (<c>a.example.com</c>, not
/// <c>a.b.example.com</c> nor <c>example.com</c>), else the first certificate (also for a client that sends no
/// name). Among certificates that carry the same name, the earlier one in the config wins. Built once per
/// certificate change; <see cref="Select"/> runs per handshake and allocates nothing.
/// </summary>
public sealed class SniSelector
{
    private readonly Dictionary<string, int> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _wildcards = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wildcardLookup;

    /// <param name="namesPerCertificate">Each certificate's DNS names, in config order.</param>
    public SniSelector(IReadOnlyList<IReadOnlyList<string>> namesPerCertificate)
    {
        for (var i = 0; i < namesPerCertificate.Count; i++)
        {
            foreach (var name in namesPerCertificate[i])
            {
                if (name.StartsWith("*.", StringComparison.Ordinal))
                {
                    // "*.example.com" is kept as ".example.com": the part after a name's first label.
                    if (name.Length > 2 && !name.AsSpan(2).Contains('*'))
                    {
                        _wildcards.TryAdd(name[1..], i);
                    }
                }
                else if (name.Length > 0 && !name.Contains('*', StringComparison.Ordinal))
                {
                    _exact.TryAdd(name, i);
                }
            }
        }

        _wildcardLookup = _wildcards.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The index of the certificate for <paramref name="serverName"/>; 0 when none matches.</summary>
    public int Select(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return 0;
        }

        if (_exact.TryGetValue(serverName, out var exact))
        {
            return exact;
        }

        var dot = serverName.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && _wildcardLookup.TryGetValue(serverName.AsSpan(dot), out var wildcard) ? wildcard : 0;
    }
}
