using System.Diagnostics;

namespace NeuroPilot.Edge.LoadTests.Fleet;

/// <summary>Turns the fleet watch's timelines and the moments of the faults into a <see cref="FleetSummary"/>: a function a test can call.</summary>
internal static class FleetAnalysis
{
    /// <param name="leaderSamples">Leadership samples in time order (per edge: said it leads).</param>
    /// <param name="dnsChanges">The published set in time order, the first entry being the state when the watch began.</param>
    /// <param name="faults">Stopwatch timestamps of the kill, the partition and the primary's failure (null: not reached), and the edges hit.</param>
    /// <param name="settled">When the fleet had settled (DNS published, one leader): changes are counted from then.</param>
    /// <param name="writes">Successful write requests to the provider from <paramref name="settled"/> on.</param>
    public static FleetSummary Analyze(
        FleetPlan plan,
        IReadOnlyList<(long At, bool[] Leads)> leaderSamples,
        IReadOnlyList<(long At, string Published)> dnsChanges,
        FleetFaults faults,
        long settled,
        long windowStart,
        int writes)
    {
        var edges = FleetSetup.EdgeIds;
        (double? Ms, string? Edge) NewLeader(long? from, params int?[] excluded)
        {
            if (from is not { } start)
            {
                return (null, null);
            }

            foreach (var (at, leads) in leaderSamples)
            {
                if (at < start)
                {
                    continue;
                }

                for (var e = 0; e < leads.Length; e++)
                {
                    if (leads[e] && !excluded.Contains(e))
                    {
                        return (Ms(start, at), edges[e]);
                    }
                }
            }

            return (null, null);
        }

        var afterKill = NewLeader(faults.KillAt, faults.Killed);
        var afterPartition = NewLeader(faults.PartitionAt, faults.Killed, faults.Partitioned);
        double? stopped = null;
        if (faults.PartitionAt is { } partitionAt && faults.Partitioned is { } partitioned)
        {
            var first = leaderSamples.FirstOrDefault(s => s.At >= partitionAt && !s.Leads[partitioned]);
            stopped = first.Leads is null ? null : Ms(partitionAt, first.At);
        }

        double? dnsMs = null;
        if (faults.FailAt is { } failAt)
        {
            var next = FleetSetup.RegionAddresses[1];
            var change = dnsChanges.FirstOrDefault(c => c.At >= failAt && c.Published == next);
            dnsMs = change.Published is null ? null : Ms(failAt, change.At);
        }

        TimeSpan At(long? fault, TimeSpan planned) => fault is { } f ? Stopwatch.GetElapsedTime(windowStart, f) : planned;
        return new FleetSummary
        {
            KillAt = At(faults.KillAt, plan.KillAt),
            PartitionAt = At(faults.PartitionAt, plan.PartitionAt),
            FailAt = At(faults.FailAt, plan.FailAt),
            LeaseTtl = plan.LeaseTtl,
            DownHold = plan.DownHold,
            KilledEdge = faults.Killed is { } k ? edges[k] : null,
            PartitionedEdge = faults.Partitioned is { } p ? edges[p] : null,
            InFlightAtKill = faults.InFlightAtKill,
            NewLeaderAfterKillMs = afterKill.Ms,
            LeaderAfterKill = afterKill.Edge,
            NewLeaderAfterPartitionMs = afterPartition.Ms,
            LeaderAfterPartition = afterPartition.Edge,
            PartitionedStoppedLeadingMs = stopped,
            OverlapSamples = leaderSamples.Count(s => s.At >= settled && s.Leads.Count(l => l) > 1),
            DnsChangeAfterFailMs = dnsMs,
            DnsWrites = writes,
            DnsChanges = ChangesAfterSettling(dnsChanges, settled),
            DnsTimeline = [.. dnsChanges.Select(c => (Math.Round(Stopwatch.GetElapsedTime(windowStart, c.At).TotalSeconds, 3), c.Published))],
        };
    }

    /// <summary>
    /// Changes of the published set after the fleet settled. The settle check reads the provider itself and the watch
    /// polls it every 25 ms, so the watch may see the settling write (the set the fleet settled on) just after
    /// <paramref name="settled"/>: that first sight is not a change after settling.
    /// </summary>
    private static int ChangesAfterSettling(IReadOnlyList<(long At, string Published)> dnsChanges, long settled)
    {
        var after = dnsChanges.Skip(1).Where(c => c.At >= settled).ToList();
        var before = dnsChanges.LastOrDefault(c => c.At < settled).Published;
        return after.Count > 0 && after[0].Published == FleetSetup.RegionAddresses[0] && before != FleetSetup.RegionAddresses[0]
            ? after.Count - 1
            : after.Count;
    }

    private static double Ms(long from, long to) => Math.Round(Stopwatch.GetElapsedTime(from, to).TotalMilliseconds, 1);
}
