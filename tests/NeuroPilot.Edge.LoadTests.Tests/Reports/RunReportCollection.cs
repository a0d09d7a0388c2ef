namespace NeuroPilot.Edge.LoadTests.Tests.Reports;

/// <summary>The report tests share one run (<see cref="RunReportFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class RunReportCollection : ICollectionFixture<RunReportFixture>
{
    public const string Name = "run report";
}
