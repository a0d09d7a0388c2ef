namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>The envelope's <c>result_info</c> of a list: where this page is and how many there are.</summary>
internal sealed class CloudflareResultInfo
{
    public int Page { get; init; }

    public int PerPage { get; init; }

    public int Count { get; init; }

    public int TotalCount { get; init; }

    public int TotalPages { get; init; }
}
