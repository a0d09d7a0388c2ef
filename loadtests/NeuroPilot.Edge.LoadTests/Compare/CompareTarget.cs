namespace NeuroPilot.Edge.LoadTests.Compare;

/// <summary>A named target of a comparison; <see cref="PeerName"/> is set when the harness started it.</summary>
internal sealed record CompareTarget(string Name, Uri Url, string? PeerName = null);
