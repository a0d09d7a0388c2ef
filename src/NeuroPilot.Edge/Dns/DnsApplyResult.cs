namespace NeuroPilot.Edge.Dns;

/// <summary>What an apply did: provider requests made, and when the provider can check, how long until the new answer was served.</summary>
/// <param name="Requests">HTTP requests or DNS messages sent, retries included.</param>
/// <param name="ServedAfter">Time from sending the change until a query to the server returned the new answers for every change; null when not checked.</param>
public sealed record DnsApplyResult(int Requests, TimeSpan? ServedAfter);
