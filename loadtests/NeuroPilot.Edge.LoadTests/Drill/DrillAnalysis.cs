using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>
/// Turns a drill's trace (every request's outcome with the region that answered, tag 1 = the primary) and the edge's
/// polled serving region into the drill's figures. Timestamps are <see cref="Stopwatch"/> timestamps.
/// </summary>
internal static class DrillAnalysis
{
    public const string NoRegion = "none";

    public static DrillSummary Analyze(
        DrillFault fault,
        IReadOnlyList<string> regions,
        TimeSpan? perTryTimeout,
        RunResult result,
        IReadOnlyList<TracedOutcome> outcomes,
        IReadOnlyList<StatusSample> status,
        long faultAt,
        long recoverAt)
    {
        long failedBefore = 0;
        long failedAfter = 0;
        foreach (var outcome in outcomes)
        {
            if (!outcome.Succeeded)
            {
                if (outcome.EndedAt < faultAt)
                {
                    failedBefore++;
                }
                else
                {
                    failedAfter++;
                }
            }
        }

        // Never sent (an interrupted run) counts too: those requests failed, after the fault at the latest.
        failedAfter += result.FailuresOf(FailureKind.Unsent);

        var byEnd = outcomes.OrderBy(o => o.EndedAt).ToList();
        var bySend = outcomes.Where(o => o.Failure is null).OrderBy(o => o.SentAt).ToList();
        var recovery = FirstPrimary(byEnd, recoverAt);
        var primary = regions[0];
        var statusRecovery = status.FirstOrDefault(s => s.At >= recoverAt && s.ServingRegion == primary);
        return new DrillSummary
        {
            Fault = fault,
            Regions = regions,
            PerTryTimeout = perTryTimeout,
            FaultAt = WindowTime(result, faultAt),
            RecoverAt = WindowTime(result, recoverAt),
            Failed = failedBefore + failedAfter,
            FailedBeforeFault = failedBefore,
            FailedAfterFault = failedAfter,
            FailoverTimeMs = FailoverAt(byEnd, faultAt, recoverAt) is { } failedOver ? Milliseconds(faultAt, failedOver) : null,
            RecoveryTimeMs = recovery is { } back ? Milliseconds(recoverAt, back.EndedAt) : null,
            SwitchesBack = SwitchesBack(bySend, statusRecovery.At > 0 ? statusRecovery.At : recovery?.SentAt),
            StatusFailoverTimeMs = status.FirstOrDefault(s => s.At >= faultAt && s.ServingRegion is { } r && r != primary) is { At: > 0 } moved
                ? Milliseconds(faultAt, moved.At)
                : null,
            StatusRecoveryTimeMs = statusRecovery.At > 0 ? Milliseconds(recoverAt, statusRecovery.At) : null,
            StatusSwitchesBack = statusRecovery.At > 0
                ? SwitchesAway(status.Where(s => s.At >= statusRecovery.At && s.ServingRegion is not null).Select(s => s.ServingRegion == primary))
                : null,
            ResponsesByRegionPerSecond = PerSecond(regions, result, outcomes),
        };
    }

    /// <summary>
    /// The end of the first 2xx response from another region after the last response that was not one (a response
    /// from the primary, an error, a timeout) among those that ended between the fault and the recovery.
    /// </summary>
    public static long? FailoverAt(IReadOnlyList<TracedOutcome> byEnd, long faultAt, long recoverAt)
    {
        long? candidate = null;
        foreach (var outcome in byEnd)
        {
            if (outcome.EndedAt < faultAt)
            {
                continue;
            }

            if (outcome.EndedAt >= recoverAt)
            {
                break;
            }

            if (FromAnotherRegion(outcome))
            {
                candidate ??= outcome.EndedAt;
            }
            else
            {
                candidate = null;
            }
        }

        return candidate;
    }

    /// <summary>
    /// How many times responses to requests sent after <paramref name="backInService"/> moved away from the primary:
    /// from when the edge put the primary back in service (its serving region in <c>/admin/status</c>; the first
    /// primary response when status was not read). Before that the primary may take a few half-open trial requests
    /// while the others still go elsewhere: that interleaving is recovery, not flapping. Null when it never came back.
    /// </summary>
    public static int? SwitchesBack(IReadOnlyList<TracedOutcome> bySend, long? backInService) =>
        backInService is { } from ? SwitchesAway(bySend.Where(o => o.SentAt >= from).Select(o => o.Succeeded && o.Tag == 1)) : null;

    /// <summary>How many times a sequence of "on the primary" flags goes from true to false.</summary>
    public static int SwitchesAway(IEnumerable<bool> onPrimary)
    {
        var switches = 0;
        var previous = true;
        foreach (var current in onPrimary)
        {
            if (previous && !current)
            {
                switches++;
            }

            previous = current;
        }

        return switches;
    }

    private static bool FromAnotherRegion(TracedOutcome outcome) => outcome.Succeeded && outcome.Tag is not (0 or 1);

    private static TracedOutcome? FirstPrimary(IReadOnlyList<TracedOutcome> byEnd, long from)
    {
        foreach (var outcome in byEnd)
        {
            if (outcome.EndedAt >= from && outcome.Succeeded && outcome.Tag == 1)
            {
                return outcome;
            }
        }

        return null;
    }

    private static Dictionary<string, long[]> PerSecond(IReadOnlyList<string> regions, RunResult result, IReadOnlyList<TracedOutcome> outcomes)
    {
        var seconds = Math.Max(1, result.Seconds.Count + (int)Math.Ceiling(result.Profile.Grace.TotalSeconds));
        var series = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var region in regions)
        {
            series[region] = new long[seconds];
        }

        foreach (var outcome in outcomes)
        {
            if (outcome.Failure is not null)
            {
                continue;
            }

            var second = (long)((outcome.EndedAt - result.WindowStart) / (double)Stopwatch.Frequency);
            if (second < 0 || second >= seconds)
            {
                continue;
            }

            var name = outcome.Tag >= 1 && outcome.Tag <= regions.Count ? regions[outcome.Tag - 1] : NoRegion;
            if (!series.TryGetValue(name, out var counts))
            {
                series[name] = counts = new long[seconds];
            }

            counts[second]++;
        }

        // Trailing seconds with no response at all (the grace period) are left out.
        var used = series.Values.Max(c => Array.FindLastIndex(c, n => n > 0)) + 1;
        used = Math.Max(used, result.Seconds.Count);
        return series.ToDictionary(p => p.Key, p => p.Value[..Math.Min(used, seconds)], StringComparer.Ordinal);
    }

    private static TimeSpan WindowTime(RunResult result, long timestamp) => Stopwatch.GetElapsedTime(result.WindowStart, timestamp);

    private static double Milliseconds(long from, long to) => Math.Round(Stopwatch.GetElapsedTime(from, to).TotalMilliseconds, 1);
}
