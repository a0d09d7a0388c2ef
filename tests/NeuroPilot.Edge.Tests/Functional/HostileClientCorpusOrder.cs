using Xunit.Abstractions;
using Xunit.Sdk;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Runs <see cref="HostileClientTests"/>' cases in the corpus' order: the table prints in that order, and the slow
/// cases (declared last, running in the background from the first case on) are awaited only after the fast ones.
/// </summary>
public sealed class HostileClientCorpusOrder : ITestCaseOrderer
{
    public const string TypeName = "NeuroPilot.Edge.Tests.Functional." + nameof(HostileClientCorpusOrder);

    public const string AssemblyName = "NeuroPilot.Edge.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(testCase => HostileClientTests.CorpusIndex(testCase.TestMethodArguments?.FirstOrDefault() as string));
}
