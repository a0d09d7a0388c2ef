namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// <c>Services.NAME.UpstreamTls</c>: how the edge verifies its <c>https://</c> destinations and which certificate it
/// shows them (mTLS between regions). Without it, https destinations are verified against the system's CA store by
/// their host name. A value type: two services with the same settings share one set of loaded files.
/// </summary>
public sealed record UpstreamTlsOptions
{
    /// <summary>PEM bundle of the CAs a destination's certificate must chain to, instead of the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM certificate (leaf first) shown to destinations that ask for one; with <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; init; }

    public string? ClientKeyFile { get; init; }

    /// <summary>
    /// The name a destination's certificate must carry; the destination's host when null. Verification only: the SNI
    /// sent is what .NET sends for the request's host (the destination's DNS name, nothing for an IP address, the
    /// client's Host with <c>PreserveHost</c>).
    /// </summary>
    public string? ServerName { get; init; }

    /// <summary>The files to load, in a fixed order: CA bundle, client certificate, client key (those that are set).</summary>
    public IReadOnlyList<string> Files()
    {
        var files = new List<string>(3);
        if (CaFile is not null)
        {
            files.Add(CaFile);
        }

        if (ClientCertificateFile is not null && ClientKeyFile is not null)
        {
            files.Add(ClientCertificateFile);
            files.Add(ClientKeyFile);
        }

        return files;
    }
}
