namespace NeuroPilot.Edge.Tests.TestKit.Dns.Internal;

/// <summary>An API error answered in the envelope: HTTP status, one error (code, message) and its optional chain.</summary>
internal class CloudflareApiException(int statusCode, int code, string message, (int Code, string Message)[]? chain = null)
    : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public int Code { get; } = code;

    public IReadOnlyList<(int Code, string Message)> Chain { get; } = chain ?? [];

    public static CloudflareApiException BadRequest(int code, string message) => new(400, code, message);
}
