using System.Globalization;

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>How figures read in consoles and reports: milliseconds with sensible precision, percentages, rates.</summary>
internal static class DisplayFormat
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary><c>0.412 ms</c>, <c>4.12 ms</c>, <c>41.2 ms</c>, <c>1,204 ms</c>.</summary>
    public static string Milliseconds(double? milliseconds) =>
        milliseconds is { } value ? $"{Number(value)} ms" : "n/a";

    /// <summary>A number of milliseconds without the unit, precision by magnitude.</summary>
    public static string Number(double value)
    {
        var magnitude = Math.Abs(value);
        var format = magnitude < 1 ? "0.000" : magnitude < 10 ? "0.00" : magnitude < 100 ? "0.0" : "#,##0";
        return value.ToString(format, s_invariant);
    }

    /// <summary>A signed difference: <c>+0.120 ms</c>, <c>-0.03 ms</c>.</summary>
    public static string Delta(double? milliseconds) =>
        milliseconds is { } value ? (value >= 0 ? "+" : "") + Milliseconds(value) : "n/a";

    /// <summary><c>0.1%</c>, <c>0%</c>, <c>12.5%</c>.</summary>
    public static string Percent(double ratio)
    {
        var percent = ratio * 100;
        var format = percent == 0 ? "0" : percent < 0.01 ? "0.####" : percent < 1 ? "0.###" : "0.##";
        return percent.ToString(format, s_invariant) + "%";
    }

    /// <summary>Requests per second: <c>1,999.8 req/s</c>, <c>12,000 req/s</c>, <c>0.5 req/s</c>.</summary>
    public static string Rate(double perSecond) => RateNumber(perSecond) + " req/s";

    /// <summary>A rate without its unit: <c>1,999.8</c>, <c>12,000</c>.</summary>
    public static string RateNumber(double perSecond) =>
        perSecond.ToString(perSecond >= 10_000 ? "#,##0" : "#,##0.#", s_invariant);

    /// <summary>CPU per request: <c>12.4 µs</c>, <c>~3.1 µs</c> when only a few clock ticks were counted, <c>n/a</c>.</summary>
    public static string CpuPerRequest(Platform.TargetCpu? cpu) =>
        cpu?.MicrosecondsPerRequest is { } us && cpu.Why is null ? $"{(cpu.Coarse ? "~" : "")}{Number(us)} µs" : "n/a";

    /// <summary>Requests per second of one core (responses / CPU-seconds): <c>54,210</c>, <c>~61,000</c>, <c>n/a</c>.</summary>
    public static string PerCore(Platform.TargetCpu? cpu) =>
        cpu?.RequestsPerCoreSecond is { } perCore && cpu.Why is null ? $"{(cpu.Coarse ? "~" : "")}{RateNumber(Math.Round(perCore))}" : "n/a";

    /// <summary>The line under a table that explains a CPU figure marked <c>~</c>.</summary>
    public static string CoarseCpuNote =>
        $"- ~: fewer than {Platform.TargetCpu.PreciseTicks} clock ticks of CPU (1/{ProcessStatsTicks} s each) in the window: a rough figure; run longer or faster.";

    private static string ProcessStatsTicks => Platform.ProcessStats.ClockTicksPerSecond.ToString("0", s_invariant);

    public static string Count(long value) => value.ToString("#,##0", s_invariant);

    /// <summary>Memory in MiB: <c>87.3 MiB</c>, <c>512 KiB</c> below one MiB.</summary>
    public static string Bytes(double bytes) =>
        bytes < 1024 * 1024
            ? $"{(bytes / 1024).ToString("#,##0.#", s_invariant)} KiB"
            : $"{(bytes / (1024 * 1024)).ToString(bytes < 100 * 1024 * 1024 ? "0.0" : "#,##0", s_invariant)} MiB";

    /// <summary><c>20s</c>, <c>500ms</c>, <c>2m</c>, <c>1m30s</c>.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span.TotalSeconds < 1)
        {
            return $"{span.TotalMilliseconds.ToString("0.###", s_invariant)}ms";
        }

        if (span.TotalMinutes < 1 || span.Seconds != 0 && span.TotalMinutes < 10)
        {
            return span.TotalMinutes < 1
                ? $"{span.TotalSeconds.ToString("0.###", s_invariant)}s"
                : $"{(int)span.TotalMinutes}m{span.Seconds}s";
        }

        return $"{span.TotalMinutes.ToString("0.##", s_invariant)}m";
    }

    /// <summary>The phases of a run: <c>baseline 500 req/s for 4s, spike 5,000 req/s for 4s, after 500 req/s for 4s</c>.</summary>
    public static string Phases(IReadOnlyList<OpenModel.RatePhase> phases) =>
        string.Join(", ", phases.Select(p => $"{p.Name} {Rate(p.Rate)} for {Duration(p.Duration)}"));

    /// <summary>
    /// Counters by label, the non-zero ones: <c>over_capacity 892, rate_limited 804</c>; <c>none</c> when all are zero
    /// (the edge exports every reason from the start), <c>n/a</c> when they could not be read.
    /// </summary>
    public static string Counters(IReadOnlyDictionary<string, double>? counters)
    {
        if (counters is null)
        {
            return "n/a";
        }

        var nonZero = counters.Where(c => c.Value != 0).Select(c => $"{c.Key} {Count((long)c.Value)}").ToList();
        return nonZero.Count == 0 ? "none" : string.Join(", ", nonZero);
    }

    /// <summary>Invariant number for JSON-ish text: <c>1234.5</c>.</summary>
    public static string Invariant(double value) => value.ToString("0.###", s_invariant);
}
