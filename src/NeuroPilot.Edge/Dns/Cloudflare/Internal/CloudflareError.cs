namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>One entry of the envelope's <c>errors</c>.</summary>
internal sealed class CloudflareError
{
    public int Code { get; init; }

    public string? Message { get; init; }
}
