namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>Cloudflare API v4's answer: <c>{success, errors:[{code,message}], messages, result, result_info}</c>.</summary>
internal sealed class CloudflareEnvelope<TResult>
{
    public bool Success { get; init; }

    public List<CloudflareError>? Errors { get; init; }

    public TResult? Result { get; init; }

    public CloudflareResultInfo? ResultInfo { get; init; }
}
