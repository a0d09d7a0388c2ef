namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>The test classes that share one <see cref="LiveEdgeFixture"/> (started once, about 10 s).</summary>
[CollectionDefinition(Name)]
public sealed class LiveEdgeCollection : ICollectionFixture<LiveEdgeFixture>
{
    public const string Name = "live edge scraped by prometheus";
}
