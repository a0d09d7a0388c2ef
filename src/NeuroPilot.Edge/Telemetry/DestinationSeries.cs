namespace NeuroPilot.Edge.Telemetry;

/// <summary>
/// The Prometheus series of one destination (<c>neuropilot_edge_destination_healthy</c>,
/// <c>neuropilot_edge_circuit_state</c>, <c>neuropilot_edge_probe_duration_seconds</c>,
/// <c>neuropilot_edge_probes_total</c>), held as plain numbers and written out by <see cref="DestinationSeriesSet"/>
/// at a scrape. At 10,000 destinations prometheus-net's children of the same series took ~2.4 KB per destination
/// (a child, label sequences and a dictionary entry per series, bucket and exemplar arrays); these take ~0.3 KB.
/// A series appears at its first write, as prometheus-net's do. One writer at a time per destination (its probe
/// target, the health agent's tick); a scrape reads without a lock and may see a probe half counted.
/// </summary>
public sealed class DestinationSeries
{
    private int _healthy = -1;
    private int _circuit = -1;
    private long _successes;
    private long _failures;
    private long _probeSumTicks;
    private long[]? _buckets;

    internal DestinationSeries(string service, string region, string destination)
    {
        Service = service;
        Region = region;
        Destination = destination;
    }

    public string Service { get; }

    public string Region { get; }

    public string Destination { get; }

    /// <summary><c>neuropilot_edge_destination_healthy</c>; null before its first write.</summary>
    public int? Healthy => Volatile.Read(ref _healthy) is var value and >= 0 ? value : null;

    /// <summary><c>neuropilot_edge_circuit_state</c>; null before its first write.</summary>
    public int? Circuit => Volatile.Read(ref _circuit) is var value and >= 0 ? value : null;

    /// <summary><c>neuropilot_edge_probes_total{result="success"}</c>.</summary>
    public long Successes => Volatile.Read(ref _successes);

    /// <summary><c>neuropilot_edge_probes_total{result="failure"}</c>.</summary>
    public long Failures => Volatile.Read(ref _failures);

    /// <summary><c>neuropilot_edge_probe_duration_seconds_count</c>.</summary>
    public long ProbeCount => Successes + Failures;

    /// <summary><c>neuropilot_edge_probe_duration_seconds_sum</c>.</summary>
    public double ProbeSum => TimeSpan.FromTicks(Volatile.Read(ref _probeSumTicks)).TotalSeconds;

    public void SetHealthy(bool healthy) => Volatile.Write(ref _healthy, healthy ? 1 : 0);

    public void SetCircuit(int state) => Volatile.Write(ref _circuit, state);

    /// <summary>One probe: its duration in the histogram, its result in the counter.</summary>
    public void ObserveProbe(TimeSpan duration, bool success)
    {
        var buckets = Volatile.Read(ref _buckets) ?? CreateBuckets();
        var seconds = duration.TotalSeconds;
        var bounds = DestinationSeriesSet.ProbeBuckets;
        var i = 0;
        while (i < bounds.Length && seconds > bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref buckets[i]);
        Interlocked.Add(ref _probeSumTicks, duration.Ticks);
        Interlocked.Increment(ref success ? ref _successes : ref _failures);
    }

    /// <summary>The probe histogram's bucket counts (not cumulative; the last is above every bound), or null before the first probe.</summary>
    internal long[]? Buckets => Volatile.Read(ref _buckets);

    private long[] CreateBuckets()
    {
        Interlocked.CompareExchange(ref _buckets, new long[DestinationSeriesSet.ProbeBuckets.Length + 1], null);
        return _buckets!;
    }
}
