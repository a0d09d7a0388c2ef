using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Tests.Drill;

public class DrillAnalysisTests
{
    // Tags: 1 = us-east (the primary), 2 = eu-west; status 0 with a failure kind = no response.
    private static TracedOutcome Ok(long end, int tag) => new(end - 5, end - 5, end, 200, tag, null);

    [Fact]
    public void FailoverAt_IsTheFirstResponseFromAnotherRegionAfterTheLastBadOne()
    {
        TracedOutcome[] byEnd =
        [
            Ok(90, 1), Ok(110, 1), Ok(120, 2), new(100, 0, 130, 0, 0, FailureKind.Timeout), Ok(140, 2), Ok(150, 2), Ok(250, 1),
        ];

        Assert.Equal(140, DrillAnalysis.FailoverAt(byEnd, faultAt: 100, recoverAt: 200));
    }

    [Fact]
    public void FailoverAt_WithoutAResponseFromAnotherRegionBeforeTheRecovery_IsNull()
    {
        Assert.Null(DrillAnalysis.FailoverAt([Ok(110, 1), Ok(120, 2), Ok(130, 1)], faultAt: 100, recoverAt: 200));
    }

    [Theory]
    [InlineData(new[] { true, true, true }, 0)]
    [InlineData(new[] { true, false, true }, 1)]
    [InlineData(new[] { true, false, false, true, false }, 2)]
    public void SwitchesAway_CountsEveryMoveOffThePrimary(bool[] onPrimary, int switches)
    {
        Assert.Equal(switches, DrillAnalysis.SwitchesAway(onPrimary));
    }

    [Fact]
    public void SwitchesBack_TrialRequestsInterleavedBeforeThePrimaryIsBackInService_AreNotFlapping()
    {
        // Sent at 100..160: two half-open trials on the primary (tag 1) between requests still served elsewhere, then
        // the edge puts the primary back in service at 140 and everything after goes there.
        TracedOutcome[] bySend = [Ok(105, 1), Ok(115, 2), Ok(125, 1), Ok(135, 2), Ok(145, 1), Ok(155, 1), Ok(165, 1)];

        Assert.Equal(0, DrillAnalysis.SwitchesBack(bySend, backInService: 140));
        Assert.Equal(2, DrillAnalysis.SwitchesBack(bySend, backInService: 100)); // counted from the first trial, as before
        Assert.Null(DrillAnalysis.SwitchesBack(bySend, backInService: null));
    }

    [Fact]
    public void SwitchesBack_TrafficLeavesThePrimaryAfterItIsBackInService_IsCounted()
    {
        TracedOutcome[] bySend = [Ok(145, 1), Ok(155, 2), Ok(165, 1), Ok(175, 2)];

        Assert.Equal(2, DrillAnalysis.SwitchesBack(bySend, backInService: 140));
    }
}
