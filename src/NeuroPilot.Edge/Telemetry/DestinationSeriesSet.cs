using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace NeuroPilot.Edge.Telemetry;

/// <summary>
/// Every destination's <see cref="DestinationSeries"/>, and their text at a scrape (Prometheus text format 0.0.4, after
/// the registry's own families): the per-destination families kept outside prometheus-net because at thousands of
/// destinations its per-child objects were most of the edge's heap (bench/README.md "What active probes cost").
/// Names, labels, types and buckets are what they were as prometheus-net series.
/// </summary>
public sealed class DestinationSeriesSet
{
    /// <summary>Upper bounds of <c>neuropilot_edge_probe_duration_seconds</c> (then <c>+Inf</c>): the request latency buckets.</summary>
    internal static readonly double[] ProbeBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary><c>,le="0.0005"} </c> ... <c>,le="+Inf"} </c>: a bucket line's last label, the brace and the space.</summary>
    private static readonly byte[][] BucketLabels =
        [.. ProbeBuckets.Select(b => Encoding.UTF8.GetBytes($",le=\"{b.ToString("g", CultureInfo.InvariantCulture)}\"}} ")), Encoding.UTF8.GetBytes(",le=\"+Inf\"} ")];

    private readonly ConcurrentDictionary<(string Service, string Region, string Destination), DestinationSeries> _series = new();

    /// <summary>The series of a destination, made at the first call.</summary>
    public DestinationSeries For(string service, string region, string destination) =>
        _series.GetOrAdd((service, region, destination), static key => new DestinationSeries(key.Service, key.Region, key.Destination));

    public bool TryGet(string service, string region, string destination, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out DestinationSeries series) =>
        _series.TryGetValue((service, region, destination), out series);

    /// <summary>Removes a destination's series (it left the routing table).</summary>
    public void Forget(string service, string region, string destination) => _series.TryRemove((service, region, destination), out _);

    /// <summary>Every destination's series (for tests and status).</summary>
    public ICollection<DestinationSeries> All => _series.Values;

    /// <summary>Writes the four families of every destination to <paramref name="stream"/>.</summary>
    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        var series = _series.Values;
        var text = new SeriesText();
        try
        {
            text.Family("neuropilot_edge_destination_healthy", "1 when the destination takes new requests (probes up and breaker closed), else 0.", "gauge");
            foreach (var s in series)
            {
                if (s.Healthy is { } healthy)
                {
                    text.Sample("neuropilot_edge_destination_healthy", s, healthy);
                    await text.FlushIfFullAsync(stream, cancellationToken);
                }
            }

            text.Family("neuropilot_edge_circuit_state", "Circuit breaker state per destination: 0 closed, 1 half-open, 2 open.", "gauge");
            foreach (var s in series)
            {
                if (s.Circuit is { } circuit)
                {
                    text.Sample("neuropilot_edge_circuit_state", s, circuit);
                    await text.FlushIfFullAsync(stream, cancellationToken);
                }
            }

            text.Family("neuropilot_edge_probe_duration_seconds", "Duration of active health probes.", "histogram");
            foreach (var s in series)
            {
                if (s.Buckets is { } buckets)
                {
                    text.Histogram(s, buckets);
                    await text.FlushIfFullAsync(stream, cancellationToken);
                }
            }

            text.Family("neuropilot_edge_probes_total", "Active health probes by result (success, failure).", "counter");
            foreach (var s in series)
            {
                if (s.Successes > 0)
                {
                    text.Sample("neuropilot_edge_probes_total", s, s.Successes, "success");
                }

                if (s.Failures > 0)
                {
                    text.Sample("neuropilot_edge_probes_total", s, s.Failures, "failure");
                }

                await text.FlushIfFullAsync(stream, cancellationToken);
            }

            await text.FlushAsync(stream, cancellationToken);
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>A pooled buffer of text lines, written to the stream in blocks of about 32 KiB.</summary>
    private sealed class SeriesText : IDisposable
    {
        private const int FlushAt = 32 * 1024;
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _length;

        public void Family(string name, string help, string type)
        {
            Ascii("# HELP ");
            Ascii(name);
            Ascii(" ");
            Ascii(help);
            Ascii("\n# TYPE ");
            Ascii(name);
            Ascii(" ");
            Ascii(type);
            Ascii("\n");
        }

        public void Sample(string name, DestinationSeries series, long value, string? result = null)
        {
            Ascii(name);
            Labels(series);
            if (result is not null)
            {
                Ascii(",result=\"");
                Ascii(result);
                Ascii("\"");
            }

            Ascii("} ");
            Number(value);
            Ascii("\n");
        }

        public void Histogram(DestinationSeries series, long[] buckets)
        {
            const string name = "neuropilot_edge_probe_duration_seconds";
            long cumulative = 0;
            for (var i = 0; i < buckets.Length; i++)
            {
                cumulative += Volatile.Read(ref buckets[i]);
                Ascii(name);
                Ascii("_bucket");
                Labels(series);
                Bytes(BucketLabels[i]);
                Number(cumulative);
                Ascii("\n");
            }

            Ascii(name);
            Ascii("_sum");
            Labels(series);
            Ascii("} ");
            Number(series.ProbeSum);
            Ascii("\n");
            Ascii(name);
            Ascii("_count");
            Labels(series);
            Ascii("} ");
            Number(cumulative);
            Ascii("\n");
        }

        public ValueTask FlushIfFullAsync(Stream stream, CancellationToken cancellationToken) =>
            _length >= FlushAt ? new ValueTask(FlushAsync(stream, cancellationToken)) : default;

        public async Task FlushAsync(Stream stream, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
            _length = 0;
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        /// <summary><c>{service="..",region="..",destination=".."</c>: the closing brace is the caller's.</summary>
        private void Labels(DestinationSeries series)
        {
            Ascii("{service=\"");
            Escaped(series.Service);
            Ascii("\",region=\"");
            Escaped(series.Region);
            Ascii("\",destination=\"");
            Escaped(series.Destination);
            Ascii("\"");
        }

        private void Escaped(string value)
        {
            if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
            {
                Utf8(value);
                return;
            }

            Utf8(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
        }

        private void Ascii(string value) => Utf8(value);

        private void Number(long value)
        {
            Ensure(20);
            value.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
            _length += written;
        }

        private void Number(double value)
        {
            Ensure(32);
            value.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
            _length += written;
        }

        private void Utf8(string value)
        {
            Ensure(Encoding.UTF8.GetMaxByteCount(value.Length));
            _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
        }

        private void Bytes(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_length));
            _length += bytes.Length;
        }

        private void Ensure(int bytes)
        {
            if (_length + bytes <= _buffer.Length)
            {
                return;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + bytes));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
