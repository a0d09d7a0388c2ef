using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.Fleet;

namespace NeuroPilot.Edge.LoadTests.Tests.Fleet;

/// <summary><see cref="FleetAnalysis.Analyze"/> on made-up timelines: which sample counts as the new leader, the DNS change, duplicate writes.</summary>
public class FleetAnalysisTests
{
    private static readonly long s_second = Stopwatch.Frequency;
    private static readonly FleetPlan s_plan = new() { Edge = "/x" };

    [Fact]
    public void Analyze_LeaderKilled_TheFirstSampleInWhichAnotherEdgeLeadsIsTheHandOver_TheKilledOneNeverCounts()
    {
        // edge-a (0) leads, is killed at 10 s; a stale sample still shows it at 10.5 s; edge-c (2) leads at 12.25 s.
        var samples = new List<(long, bool[])>
        {
            (9 * s_second, [true, false, false]),
            (At(10.5), [true, false, false]),
            (At(11.0), [false, false, false]),
            (At(12.25), [false, false, true]),
        };

        var summary = Analyze(samples, [(0, "198.51.100.10")], new FleetFaults { KillAt = 10 * s_second, Killed = 0 }, writes: 0);

        Assert.Equal(2250, summary.NewLeaderAfterKillMs);
        Assert.Equal("edge-c", summary.LeaderAfterKill);
        Assert.Equal("edge-a", summary.KilledEdge);
    }

    [Fact]
    public void Analyze_Partitioned_TheNewLeaderMustBeNeitherTheKilledNorTheCutOffEdge_AndOverlapsAreCounted()
    {
        var samples = new List<(long, bool[])>
        {
            (At(20.1), [false, true, false]),
            (At(20.6), [false, true, true]), // the cut-off edge-b still believes it leads: an overlap
            (At(20.9), [false, false, true]),
        };

        var summary = Analyze(samples, [(0, "198.51.100.10")],
            new FleetFaults { KillAt = 10 * s_second, Killed = 0, PartitionAt = 20 * s_second, Partitioned = 1 }, writes: 0);

        Assert.Equal(600, summary.NewLeaderAfterPartitionMs);
        Assert.Equal("edge-c", summary.LeaderAfterPartition);
        Assert.Equal(900, summary.PartitionedStoppedLeadingMs);
        Assert.Equal(1, summary.OverlapSamples);
    }

    [Fact]
    public void Analyze_PrimaryFailed_DnsTimeIsTheFirstChangeToTheNextRegion_AndWritesBeyondOnePerChangeAreDuplicates()
    {
        var dns = new List<(long, string)> { (At(1), "198.51.100.10"), (At(33.5), "198.51.100.20") };

        var one = Analyze([], dns, new FleetFaults { FailAt = 30 * s_second }, writes: 1);
        var three = Analyze([], dns, new FleetFaults { FailAt = 30 * s_second }, writes: 3);

        Assert.Equal(3500, one.DnsChangeAfterFailMs);
        Assert.Equal(1, one.DnsChanges);
        Assert.Equal(0, one.DuplicateWrites);
        Assert.Equal(2, three.DuplicateWrites);
    }

    [Fact]
    public void Analyze_WatchSawTheSettlingWriteJustAfterSettling_ItIsNotAChangeAfterSettling()
    {
        // The settle check read the provider at 1.00 s; the watch's 25 ms poll saw the same write at 1.02 s.
        var dns = new List<(long, string)> { (At(0), ""), (At(1.02), "198.51.100.10"), (At(33.5), "198.51.100.20") };

        var summary = FleetAnalysis.Analyze(s_plan, [], dns, new FleetFaults { FailAt = 30 * s_second }, settled: At(1), windowStart: 0, writes: 1);

        Assert.Equal(1, summary.DnsChanges);
        Assert.Equal(0, summary.DuplicateWrites);
    }

    [Fact]
    public void Analyze_SettledSetPublishedAgainAfterAChange_CountsAsAChange()
    {
        var dns = new List<(long, string)> { (At(0), "198.51.100.10"), (At(33.5), "198.51.100.20"), (At(40), "198.51.100.10") };

        var summary = FleetAnalysis.Analyze(s_plan, [], dns, new FleetFaults { FailAt = 30 * s_second }, settled: At(1), windowStart: 0, writes: 2);

        Assert.Equal(2, summary.DnsChanges);
    }

    [Fact]
    public void Analyze_NothingHappenedAfterTheFaults_FiguresAreNull_NotZero()
    {
        var summary = Analyze([(At(11), [true, false, false])], [(At(1), "198.51.100.10")],
            new FleetFaults { KillAt = 10 * s_second, Killed = 0, FailAt = 30 * s_second }, writes: 0);

        Assert.Null(summary.NewLeaderAfterKillMs);
        Assert.Null(summary.DnsChangeAfterFailMs);
        Assert.Null(summary.LeaderTimeMs);
    }

    private static long At(double seconds) => (long)(seconds * s_second);

    private static FleetSummary Analyze(List<(long, bool[])> samples, List<(long, string)> dns, FleetFaults faults, int writes) =>
        FleetAnalysis.Analyze(s_plan, samples, dns, faults, settled: 0, windowStart: 0, writes);
}
