namespace NeuroPilot.Edge.Configuration;

/// <summary>A region: a named group of equivalent destinations.</summary>
public sealed class RegionOptions
{
    public required string Name { get; init; }

    /// <summary>Destination base URLs (<c>http://10.0.0.1:8080</c>), requests balanced across them.</summary>
    public required IReadOnlyList<Uri> Destinations { get; init; }
}
