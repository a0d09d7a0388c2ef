using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Telemetry;

/// <summary>
/// The per-destination series written at a scrape: the same families, labels, types and buckets the prometheus-net
/// series had, in the text format (promtool-clean, checked live by the deploy tests). Service, region and destination
/// names come from the config file, so a label value may be any string: the property tests write random ones and read
/// the text back with a strict parser of the format.
/// </summary>
public sealed class DestinationSeriesSetTests(ITestOutputHelper output)
{
    private const int Cases = 10_000;

    /// <summary>
    /// Pieces of a label value: the three characters the format escapes and the rest of its syntax, escape-looking
    /// pairs, ASCII, and characters of two, three and four UTF-8 bytes. Lone surrogates are left out: the config reader
    /// refuses them ("holds a \u escape that is half a UTF-16 surrogate pair") and UTF-8 cannot carry them.
    /// </summary>
    private static readonly Gen<string> Piece = Gen.Frequency(
        (4, Gen.Char["\"\\\n\r\t{},= #\0"].Select(c => c.ToString())),
        (2, Gen.OneOf(Gen.Const("\\n"), Gen.Const("\\\""), Gen.Const("\\\\"), Gen.Const("\\x"))),
        (4, Gen.Char[' ', '~'].Select(c => c.ToString())),
        (2, Gen.Char['\u0080', '\uD7FF'].Select(c => c.ToString())),
        (1, Gen.Char['\uE000', '\uFFFF'].Select(c => c.ToString())),
        (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)));

    private static readonly Gen<string> LabelValue = Piece.Array[0, 8].Select(string.Concat);

    /// <summary>What one destination is given: healthy (-1 not written), circuit (-1 not written), probes (ms, success).</summary>
    private static readonly Gen<Writes> OneDestination = Gen.Select(
        LabelValue, LabelValue, LabelValue, Gen.Int[-1, 1], Gen.Int[-1, 2], Gen.Select(Gen.Int[0, 40_000], Gen.Bool).Array[0, 3],
        (service, region, destination, healthy, circuit, probes) => new Writes(service, region, destination, healthy, circuit, probes));

    private static readonly Gen<Writes[]> Scenario = OneDestination.Array[1, 4];

    [Fact]
    public void WriteAsync_AnyLabelStrings_WritesValidTextWhoseLabelsReadBackExactly()
    {
        var clock = Stopwatch.StartNew();
        Scenario.Sample(
            writes =>
            {
                var set = new DestinationSeriesSet();
                var expected = Apply(set, writes);
                var samples = PrometheusText.Parse(Bytes(set));
                var actual = new Dictionary<(string, string, string, string, string), int>();
                foreach (var sample in samples)
                {
                    var key = Identify(sample);
                    actual[key] = actual.GetValueOrDefault(key) + 1;
                }

                if (actual.Count != expected.Count || actual.Any(a => expected.GetValueOrDefault(a.Key) != a.Value))
                {
                    throw new InvalidOperationException(
                        $"{samples.Count} sample lines, expected {expected.Values.Sum()}; read back: {Show(actual)}; expected: {Show(expected)}");
                }
            },
            iter: Cases,
            print: Show);

        output.WriteLine($"{Cases} random sets of 1-4 destinations in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task WriteAsync_AnyLabelStrings_PassesPromtoolCheckMetrics()
    {
        const int outputs = 8;
        var checkedOutputs = 0;
        await Scenario.SampleAsync(
            async writes =>
            {
                var set = new DestinationSeriesSet();
                Apply(set, writes);
                var result = await ChildProcess.RunToExitAsync("promtool", ["check", "metrics"], TimeSpan.FromSeconds(30), Encoding.UTF8.GetString(Bytes(set)));
                Assert.True(result.ExitCode == 0 && result.Output.Trim().Length == 0, $"promtool check metrics (exit {result.ExitCode}):\n{result.Output}");
                Interlocked.Increment(ref checkedOutputs);
            },
            iter: outputs,
            threads: 1,
            print: Show);

        output.WriteLine($"{checkedOutputs} random outputs checked by promtool (apt-get install prometheus)");
    }
    [Fact]
    public async Task WriteAsync_ProbesObserved_WritesCumulativeBucketsSumCountAndCounters()
    {
        var set = new DestinationSeriesSet();
        var series = set.For("api", "us-east", "http://10.0.0.1:8080");
        series.ObserveProbe(TimeSpan.FromMilliseconds(3), success: true);
        series.ObserveProbe(TimeSpan.FromMilliseconds(40), success: true);
        series.ObserveProbe(TimeSpan.FromSeconds(60), success: false);

        var text = await Text(set);

        const string labels = "service=\"api\",region=\"us-east\",destination=\"http://10.0.0.1:8080\"";
        Assert.Contains("# TYPE neuropilot_edge_probe_duration_seconds histogram\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"0.0025\"}} 0\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"30\"}} 2\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 3\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_sum{{{labels}}} 60.043\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_count{{{labels}}} 3\n", text);
        Assert.Contains($"neuropilot_edge_probes_total{{{labels},result=\"success\"}} 2\n", text);
        Assert.Contains($"neuropilot_edge_probes_total{{{labels},result=\"failure\"}} 1\n", text);
    }

    [Fact]
    public async Task WriteAsync_GaugesSet_WritesThemAndNothingUnwritten()
    {
        var set = new DestinationSeriesSet();
        var series = set.For("api", "eu-west", "http://10.0.0.2");
        series.SetHealthy(false);
        series.SetCircuit(2);
        set.For("api", "eu-west", "http://10.0.0.3");

        var text = await Text(set);

        Assert.Contains("neuropilot_edge_destination_healthy{service=\"api\",region=\"eu-west\",destination=\"http://10.0.0.2\"} 0\n", text);
        Assert.Contains("neuropilot_edge_circuit_state{service=\"api\",region=\"eu-west\",destination=\"http://10.0.0.2\"} 2\n", text);
        Assert.DoesNotContain("10.0.0.3", text);
        Assert.DoesNotContain("neuropilot_edge_probes_total{", text);
    }

    [Fact]
    public async Task WriteAsync_LabelWithQuoteAndBackslash_IsEscaped()
    {
        var set = new DestinationSeriesSet();
        set.For("api", "r\"1", "http://h/a\\b").SetHealthy(true);

        var text = await Text(set);

        Assert.Contains("region=\"r\\\"1\",destination=\"http://h/a\\\\b\"} 1\n", text);
    }

    [Fact]
    public async Task WriteAsync_ThousandsOfDestinations_WritesEveryOneAcrossFlushes()
    {
        var set = new DestinationSeriesSet();
        for (var i = 0; i < 3000; i++)
        {
            var series = set.For("api", "r", $"http://127.0.{i / 250}.{i % 250}:80");
            series.SetHealthy(true);
            series.ObserveProbe(TimeSpan.FromMilliseconds(1), success: true);
        }

        var lines = (await Text(set)).Split('\n');

        Assert.Equal(3000, lines.Count(l => l.StartsWith("neuropilot_edge_destination_healthy{", StringComparison.Ordinal)));
        Assert.Equal(3000 * 16, lines.Count(l => l.StartsWith("neuropilot_edge_probe_duration_seconds_bucket{", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Forget_RemovesEverySeriesOfTheDestination()
    {
        var set = new DestinationSeriesSet();
        set.For("api", "r", "http://10.0.0.9").SetHealthy(true);

        set.Forget("api", "r", "http://10.0.0.9");

        Assert.DoesNotContain("10.0.0.9", await Text(set));
    }

    private static async Task<string> Text(DestinationSeriesSet set)
    {
        using var stream = new MemoryStream();
        await set.WriteAsync(stream, CancellationToken.None);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The bytes of a scrape (a memory stream: the write completes synchronously).</summary>
    private static byte[] Bytes(DestinationSeriesSet set)
    {
        using var stream = new MemoryStream();
        set.WriteAsync(stream, CancellationToken.None).GetAwaiter().GetResult();
        return stream.ToArray();
    }

    /// <summary>Writes <paramref name="writes"/> into the set; returns how many sample lines each (family, extra label, service, region, destination) must have.</summary>
    private static Dictionary<(string, string, string, string, string), int> Apply(DestinationSeriesSet set, Writes[] writes)
    {
        foreach (var w in writes)
        {
            var series = set.For(w.Service, w.Region, w.Destination);
            if (w.Healthy >= 0)
            {
                series.SetHealthy(w.Healthy == 1);
            }

            if (w.Circuit >= 0)
            {
                series.SetCircuit(w.Circuit);
            }

            foreach (var (ms, success) in w.Probes)
            {
                series.ObserveProbe(TimeSpan.FromMilliseconds(ms), success);
            }
        }

        var expected = new Dictionary<(string, string, string, string, string), int>();
        foreach (var s in set.All)
        {
            void Expect(string family, string extra) => expected[(family, extra, s.Service, s.Region, s.Destination)] = 1;
            if (s.Healthy is not null)
            {
                Expect("neuropilot_edge_destination_healthy", "");
            }

            if (s.Circuit is not null)
            {
                Expect("neuropilot_edge_circuit_state", "");
            }

            if (s.ProbeCount > 0)
            {
                foreach (var bound in DestinationSeriesSet.ProbeBuckets)
                {
                    Expect("neuropilot_edge_probe_duration_seconds_bucket", "le=" + bound.ToString("g", CultureInfo.InvariantCulture));
                }

                Expect("neuropilot_edge_probe_duration_seconds_bucket", "le=+Inf");
                Expect("neuropilot_edge_probe_duration_seconds_sum", "");
                Expect("neuropilot_edge_probe_duration_seconds_count", "");
            }

            if (s.Successes > 0)
            {
                Expect("neuropilot_edge_probes_total", "result=success");
            }

            if (s.Failures > 0)
            {
                Expect("neuropilot_edge_probes_total", "result=failure");
            }
        }

        return expected;
    }

    /// <summary>A sample line's family, its one label beyond the three (le or result), and the three label values as read back.</summary>
    private static (string, string, string, string, string) Identify(PrometheusText.Sample sample)
    {
        var labels = sample.Labels;
        var extra = labels.Count == 4 && labels[3].Name is "le" or "result" ? $"{labels[3].Name}={labels[3].Value}" : "";
        if (labels.Count != (extra.Length > 0 ? 4 : 3) || labels[0].Name != "service" || labels[1].Name != "region" || labels[2].Name != "destination")
        {
            throw new InvalidOperationException($"{sample.Name}: labels {string.Join(",", labels.Select(l => l.Name))}");
        }

        return (sample.Name, extra, labels[0].Value, labels[1].Value, labels[2].Value);
    }

    private static string Show(Writes[] writes) => string.Join("; ", writes.Select(w =>
        $"({Quote(w.Service)}, {Quote(w.Region)}, {Quote(w.Destination)}, healthy {w.Healthy}, circuit {w.Circuit}, {w.Probes.Length} probes)"));

    private static string Show(Dictionary<(string, string, string, string, string), int> lines) =>
        string.Join(" ", lines.Select(l => $"[{l.Key.Item1} {l.Key.Item2} {Quote(l.Key.Item3)} {Quote(l.Key.Item4)} {Quote(l.Key.Item5)}]x{l.Value}"));

    /// <summary>A string as a C# literal, every character outside printable ASCII as \uXXXX, so a failure message shows it.</summary>
    private static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                >= ' ' and <= '~' => c.ToString(),
                _ => $"\\u{(int)c:X4}",
            });
        }

        return text.Append('"').ToString();
    }

    /// <summary>
    /// A strict reader of the Prometheus text format 0.0.4 as the edge writes it: UTF-8; lines end in \n; <c># HELP</c>
    /// and <c># TYPE</c> comments; a sample is <c>name{label="value",...} number</c> with no timestamp, of the family the
    /// last TYPE line named (a histogram's with _bucket, _sum, _count); a label value is <c>"</c>-quoted and its only
    /// escapes are <c>\\</c>, <c>\"</c> and <c>\n</c>. Anything else is a <see cref="FormatException"/> naming the line.
    /// </summary>
    private static class PrometheusText
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public sealed record Sample(string Name, List<(string Name, string Value)> Labels, double Value);

        public static List<Sample> Parse(byte[] bytes)
        {
            var text = StrictUtf8.GetString(bytes);
            if (!text.EndsWith('\n'))
            {
                throw new FormatException("the text does not end with a line feed");
            }

            var samples = new List<Sample>();
            string? family = null;
            string? type = null;
            var lines = text[..^1].Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                try
                {
                    if (line.StartsWith('#'))
                    {
                        var parts = line.Split(' ', 4);
                        if (parts.Length < 4 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE") || !IsName(parts[2], metric: true))
                        {
                            throw new FormatException("not a HELP or TYPE line");
                        }

                        if (parts[1] == "TYPE")
                        {
                            (family, type) = parts[3] is "gauge" or "counter" or "histogram" ? (parts[2], parts[3]) : throw new FormatException("unknown type");
                        }

                        continue;
                    }

                    var sample = ParseSample(line);
                    var ofFamily = sample.Name == family ||
                        (type == "histogram" && (sample.Name == family + "_bucket" || sample.Name == family + "_sum" || sample.Name == family + "_count"));
                    samples.Add(ofFamily ? sample : throw new FormatException($"sample of {sample.Name} under TYPE {family}"));
                }
                catch (FormatException e)
                {
                    throw new FormatException($"line {i + 1}: {e.Message}: {line}", e);
                }
            }

            return samples;
        }

        private static Sample ParseSample(string line)
        {
            var at = 0;
            var name = ReadName(line, ref at, metric: true);
            var labels = new List<(string, string)>();
            if (at < line.Length && line[at] == '{')
            {
                at++;
                while (true)
                {
                    var label = ReadName(line, ref at, metric: false);
                    Expect(line, ref at, "=\"");
                    labels.Add((label, ReadLabelValue(line, ref at)));
                    if (at < line.Length && line[at] == ',')
                    {
                        at++;
                        continue;
                    }

                    Expect(line, ref at, "}");
                    break;
                }
            }

            Expect(line, ref at, " ");
            var number = line[at..];
            var value = number switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ when number.Length > 0 && number.All(c => c is (>= '0' and <= '9') or '.' or '-' or '+' or 'e' or 'E') &&
                    double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
                _ => throw new FormatException($"value \"{number}\" is not a number"),
            };
            return new Sample(name, labels, value);
        }

        /// <summary>From just after the opening quote to just after the closing one; returns the value un-escaped.</summary>
        private static string ReadLabelValue(string line, ref int at)
        {
            var value = new StringBuilder();
            while (at < line.Length)
            {
                var c = line[at++];
                if (c == '"')
                {
                    return value.ToString();
                }

                if (c != '\\')
                {
                    value.Append(c);
                    continue;
                }

                value.Append(at < line.Length ? line[at++] switch
                {
                    '\\' => '\\',
                    '"' => '"',
                    'n' => '\n',
                    var other => throw new FormatException($"escape \\{other} at {at - 1}"),
                } : throw new FormatException("escape at the end of the line"));
            }

            throw new FormatException("unterminated label value");
        }

        private static string ReadName(string line, ref int at, bool metric)
        {
            var start = at;
            while (at < line.Length && (char.IsAsciiLetterOrDigit(line[at]) || line[at] == '_' || (metric && line[at] == ':')))
            {
                at++;
            }

            var name = line[start..at];
            return IsName(name, metric) ? name : throw new FormatException($"bad {(metric ? "metric" : "label")} name at {start}");
        }

        private static bool IsName(string name, bool metric) =>
            name.Length > 0 && !char.IsAsciiDigit(name[0]) &&
            name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || (metric && c == ':'));

        private static void Expect(string line, ref int at, string what)
        {
            if (string.CompareOrdinal(line, at, what, 0, what.Length) != 0 || at + what.Length > line.Length)
            {
                throw new FormatException($"expected \"{what}\" at {at}");
            }

            at += what.Length;
        }
    }

    private sealed record Writes(string Service, string Region, string Destination, int Healthy, int Circuit, (int Ms, bool Success)[] Probes);
}
