using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using NeuroPilot.Edge.Configuration;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Configuration;

/// <summary>
/// Property tests of the config reader, through <see cref="ConfigLoader.Load"/> (what <c>check</c>, <c>run</c> and
/// every reload call): random mutations of valid configs (keys deleted, duplicated in another case, renamed or added;
/// values retyped, swapped, replaced by odd durations, huge numbers, odd URLs, control characters; deep nesting;
/// truncation; random bytes) end with a config or a <see cref="ConfigException"/> whose every problem names a path
/// and fits on one line; never another exception. Each test is bounded in cases and time (well under 30 s).
/// </summary>
public sealed class ConfigLoaderPropertyTests(ITestOutputHelper output)
{
    private const int MutationCases = 20_000;
    private const int ByteCases = 20_000;

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] Bases = [TestConfigs.DesignMinimal, Full, CloudflareDns, Rfc2136Dns];

    /// <summary>Values that have broken parsers before: huge and tiny numbers, odd durations and URLs, control characters.</summary>
    private static readonly string[] OddValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e308", "-1e308", "1e-320", "9223372036854775808", "-9223372036854775809",
        "123456789012345678901234567890", "4294967296", "2147483648", "-2147483649", "0.1e1", "1E2",
        "\"\"", "\" \"", "\"0\"", "\"-1s\"", "\"1e3s\"", "\"10\"", "\"NaNs\"", "\"Infinityms\"", "\"-Infinitys\"", "\"1.7976931348623157E308ms\"",
        "\"99999999999999999999h\"", "\"922337203685477ms\"", "\"922337203685.4775807s\"", "\"922337203685.477581s\"", "\"2562047.788015215h\"",
        "\"153722867.28092891m\"", "\"10675199.02:48:05.4775807\"", "\"10675199.02:48:05.4775808\"", "\"-00:00:01\"", "\"00:00:60\"",
        "\"24:00:00\"", "\"1.00:00:00\"", "\"\u0663s\"", "\"10 s\"", "\" 10s \"", "\"0.0000001ms\"", "\"1e-7s\"", "\".5s\"", "\"5.s\"", "\"s\"", "\"ms\"",
        "\"5xx\"", "\"99x\"", "\"0xx\"", "\"200-\"", "\"-200\"", "\"600-700\"", "\"2147483647-2147483648\"", "\"599-100\"",
        "\"http://\"", "\"http://[::1]:99999\"", "\"http://0.0.0.0:0\"", "\"http://*:80\"", "\"http://+:80\"", "\"http://localhost:8080/x\"",
        "\"https://a:b@h/\"", "\"http://h?q\"", "\"file:///etc/passwd\"", "\"//evil\"", "\"http://[::]:1\"", "\"http://[fe80::1%25eth0]:80\"",
        "\"http://1.2.3.4.5:80\"", "\"http://-:80\"", "\"http://\u00e9xample.com\"", "\"http://xn--:80\"",
        "\"\\u0000\"", "\"\\r\\n\"", "\"\\u2028\"", "\"a\\u0000b\"", "\"\\u001b[31m\"", "\"\\ud800\"", "\"*.\"", "\"*\"", "\".\"", "\"-\"",
        "\"a..b\"", "\"[::1]\"", "\"::1\"", "\"192.0.2.1:99999\"", "\"[fe80::1%eth0]:53\"", "\"fe80::1%eth0\"", "\"1.2.3\"", "\"01.02.03.04\"",
        "\"hmac-md5\"", "\"CNAME\"", "\"TXT\"", "\"1,2\"", "\"Panic,FailClosed\"", "\"  \"", "\"/\"", "\"//\"", "\"/\\\\x\"",
        "[]", "{}", "[null]", "[1]", "[\"\"]", "[[]]", "[{}]", "{\"\":1}", "{\"a\":{\"b\":{\"c\":[]}}}",
        "[\"http://127.0.0.1:1\",\"http://127.0.0.1:1\"]", "[100,599,\"1xx\",\"5xx\",\"100-599\"]",
    ];

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[0, 12],
        Gen.Char['\0', '\u007f'].Array[0, 8].Select(chars => new string(chars)),
        Gen.OneOf(Gen.Const("\u2028"), Gen.Const("\r\n"), Gen.Const("\0"), Gen.Const("%"), Gen.Const("\\"), Gen.Const("é"), Gen.Const("..")),
        Gen.Int[0, OddValues.Length - 1].Select(i => OddValues[i].Trim('"')));

    private static readonly Gen<Mutation> Mutations = Gen.Select(
        Gen.Int[0, 10], Gen.Int[0, 1_000_000], Gen.Int[0, 1_000_000], Gen.Int[0, 1_000_000], Text,
        (kind, target, other, value, text) => new Mutation(kind, target, other, value, text));

    private static readonly Gen<MutatedConfig> Cases = Gen.Select(
        Gen.Int[0, Bases.Length - 1],
        Mutations.Array[1, 5],
        Gen.Frequency((4, Gen.Const(-1)), (1, Gen.Int[0, 1_000_000])),
        Gen.Frequency((4, Gen.Const(-1)), (1, Gen.Int[0, 1_000_000])),
        Text,
        (baseIndex, mutations, truncateAt, insertAt, inserted) => new MutatedConfig(baseIndex, mutations, truncateAt, insertAt, inserted));

    [Fact]
    public void Load_RandomMutationsOfValidConfigs_GivesAConfigOrProblemsThatEachNameAPath()
    {
        var (cases, valid, elapsed) = Run(Cases, c => c.Render(), MutationCases);

        output.WriteLine($"{cases} mutated configs in {elapsed.TotalSeconds:0.0} s: {valid} valid, {cases - valid} rejected with paths");
        Assert.Equal(MutationCases, cases);
        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"took {elapsed}");
    }

    [Fact]
    public void Load_RandomBytes_GivesProblemsThatEachNameAPath()
    {
        var bytes = Gen.Frequency(
            (1, Gen.Byte.Array[0, 2048]),
            (1, Gen.Select(Gen.Int[0, Bases.Length - 1], Gen.Byte.Array[1, 64], Gen.Int[0, 1_000_000],
                (i, noise, at) => Splice(Encoding.UTF8.GetBytes(Bases[i]), noise, at))));
        var (cases, valid, elapsed) = Run(bytes, b => Encoding.UTF8.GetString(b), ByteCases);

        output.WriteLine($"{cases} random or spliced byte strings in {elapsed.TotalSeconds:0.0} s: {valid} valid");
        Assert.Equal(ByteCases, cases);
        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"took {elapsed}");
    }

    /// <summary>Every odd value in every kind of key, exhaustively (the random walk reaches each pair only now and then).</summary>
    [Fact]
    public void Load_EveryOddValueInEveryKindOfKey_GivesAConfigOrProblemsThatEachNameAPath()
    {
        string[][] keys =
        [
            ["Edge", "DrainTimeout"], ["Edge", "Listen"], ["Edge", "Admin", "Listen"], ["Edge", "Logging", "Level"], ["Edge", "AccessLog", "Enabled"],
            ["Services", "api", "ConnectTimeout"], ["Services", "api", "Hosts"], ["Services", "api", "PathPrefix"], ["Services", "api", "MinHealthyDestinations"],
            ["Services", "api", "HealthCheck", "Path"], ["Services", "api", "HealthCheck", "HealthyStatusCodes"], ["Services", "api", "CircuitBreaker", "FailureRatio"],
            ["Services", "api", "Retry", "PerTryTimeout"], ["Services", "api", "Retry", "BudgetPercent"], ["Services", "api", "Regions"],
        ];
        var cases = 0;
        foreach (var key in keys)
        {
            foreach (var value in OddValues)
            {
                var root = JsonNode.Parse(Full, documentOptions: DocumentOptions)!;
                var parent = key[..^1].Aggregate(root, (node, name) => node[name]!);
                parent[key[^1]] = "__odd__";
                AssertLoadsOrExplains(root.ToJsonString(WriteOptions).Replace("\"__odd__\"", value, StringComparison.Ordinal));
                cases++;
            }
        }

        foreach (var key in new[] { "Interval", "DownHoldTime", "Records", "OwnerId", "MaxChangeShare" })
        {
            foreach (var value in OddValues)
            {
                var root = JsonNode.Parse(Rfc2136Dns, documentOptions: DocumentOptions)!;
                root["Dns"]![key] = "__odd__";
                AssertLoadsOrExplains(root.ToJsonString(WriteOptions).Replace("\"__odd__\"", value, StringComparison.Ordinal));
                cases++;
            }
        }

        output.WriteLine($"{cases} odd values in place");
    }

    /// <summary>Every failure the property found, kept as an example.</summary>
    [Theory]
    [InlineData("""{ "Services": { "a\u0000\r\nb": { "Regions": [ { "Name": "r\n", "Destinations": ["http://127.0.0.1:1"] } ] } } }""")]
    [InlineData("""{ "Services": { "api": { "Regions": [ { "Name": "\ud800", "Destinations": ["http://127.0.0.1:1"] } ] } } }""")]
    public void Load_FoundByTheProperty_GivesProblemsThatEachNameAPath(string json) => AssertLoadsOrExplains(json);

    private static (int Cases, int Valid, TimeSpan Elapsed) Run<T>(Gen<T> gen, Func<T, string> text, int iterations)
    {
        var cases = 0;
        var valid = 0;
        var clock = Stopwatch.StartNew();
        gen.Sample(
            item =>
            {
                Interlocked.Increment(ref cases);
                if (AssertLoadsOrExplains(text(item)))
                {
                    Interlocked.Increment(ref valid);
                }
            },
            iter: iterations,
            print: item => text(item));
        return (cases, valid, clock.Elapsed);
    }

    /// <summary>True when the text loads; false when it is rejected with problems that each name a path on one line; throws otherwise.</summary>
    private static bool AssertLoadsOrExplains(string json)
    {
        try
        {
            ConfigLoader.Load(json);
            return true;
        }
        catch (ConfigException e)
        {
            Assert.NotEmpty(e.Errors);
            foreach (var error in e.Errors)
            {
                Assert.False(string.IsNullOrWhiteSpace(error.Path), $"a problem without a path: {error}");
                Assert.False(string.IsNullOrWhiteSpace(error.Message), $"a problem without a message: {error}");
                var line = error.ToString();
                Assert.False(line.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085'), $"a problem that is not one clean line: {JsonSerializer.Serialize(line)}");
            }

            return false;
        }
    }

    private static byte[] Splice(byte[] text, byte[] noise, int at)
    {
        var position = at % (text.Length + 1);
        return [.. text.AsSpan(0, position), .. noise, .. text.AsSpan(position)];
    }

    private const string Full = """
        {
          // Every key, so that mutations reach every reader.
          "Edge": {
            "Listen": ["http://127.0.0.1:8080", "http://[::1]:8081", "https://127.0.0.1:8443"],
            "Admin": { "Listen": "http://127.0.0.1:9901" },
            "Tls": { "Certificates": [ { "CertificateFile": "/etc/tls/api.pem", "KeyFile": "/etc/tls/api.key" } ], "MinVersion": "1.3",
                     "HandshakeTimeout": "5s", "ClientCertificates": { "Mode": "require", "CaFile": "/etc/tls/clients-ca.pem" } },
            "DrainTimeout": "30s",
            "Logging": { "Format": "json", "Level": "debug" },
            "AccessLog": { "Enabled": true, "Path": "-" },
          },
          "Services": {
            "api": {
              "Hosts": ["api.example.com", "*.example.com"],
              "PathPrefix": "/v1",
              "Regions": [
                { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001", "https://10.0.0.1:8443/base"] },
                { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002"] },
              ],
              "ConnectTimeout": "500ms",
              "RequestTimeout": "00:01:00",
              "UpstreamHttpVersion": "http2",
              "UpstreamTls": { "CaFile": "/etc/tls/regions-ca.pem", "ClientCertificateFile": "/etc/tls/edge.pem", "ClientKeyFile": "/etc/tls/edge.key",
                               "ServerName": "api.internal.example.com" },
              "PreserveHost": true,
              "MinHealthyDestinations": 1,
              "NoUsableRegion": "failclosed",
              "HealthCheck": { "Path": "/healthz?full=1", "Interval": "10s", "FastInterval": "1s", "Timeout": "2s",
                               "UnhealthyThreshold": 3, "HealthyThreshold": 2, "HealthyStatusCodes": [200, "2xx", "300-399"] },
              "CircuitBreaker": { "ConsecutiveFailures": 5, "FailureRatio": 0.5, "SamplingDuration": "10s", "MinimumThroughput": 20,
                                  "BreakDuration": "5s", "MaxBreakDuration": "60s", "HalfOpenTrials": 3, "FailureStatusCodes": ["5xx"],
                                  "StallTimeout": "1s", "StallMinRequests": 2 },
              "Retry": { "MaxAttempts": 3, "PerTryTimeout": "1s", "RetryOnStatusCodes": [502, 503, 504], "BufferLimitBytes": 65536,
                         "RetryNonIdempotent": false, "BudgetPercent": 20, "MinRetryConcurrency": 10 },
            },
            "web": { "Hosts": "www.example.com", "Regions": [ { "Name": "us-east", "Destinations": "http://127.0.0.1:9101" } ] },
          },
        }
        """;

    private const string CloudflareDns = """
        {
          "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] },
                                              { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002"] } ] } },
          "Dns": {
            "Provider": "cloudflare", "OwnerId": "edge-fleet-1", "Interval": "30s", "DownHoldTime": "10s", "UpHoldTime": "1m",
            "DryRun": false, "MaxChangeShare": 0.3,
            "Records": [
              { "Name": "api.example.com", "Type": "A", "Ttl": 60, "Service": "api", "Policy": "failover",
                "Regions": { "us-east": ["198.51.100.10"], "eu-west": ["198.51.100.20"] } },
              { "Name": "v6.example.com", "Type": "AAAA", "Service": "api", "Policy": "all-healthy", "Regions": { "us-east": ["2001:db8::1"] } },
              { "Name": "www.example.com", "Type": "CNAME", "Service": "api", "Regions": { "eu-west": ["eu.example.net"] } }
            ],
            "Cloudflare": { "ZoneId": "023e105f4ecef8ad9ca31a8372d0c353", "ApiBaseUrl": "https://api.cloudflare.com/client/v4",
                            "Proxied": false, "RequestsPerFiveMinutes": 240, "RequestTimeout": "10s" }
          }
        }
        """;

    private const string Rfc2136Dns = """
        {
          "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] } ] } },
          "Dns": {
            "Provider": "rfc2136", "OwnerId": "edge-fleet-1",
            "Records": [ { "Name": "api.example.com.", "Service": "api", "Regions": { "us-east": ["198.51.100.10"] } } ],
            "Rfc2136": { "Server": "[2001:db8::53]:53", "Zone": "example.com.", "TsigKeyName": "edge-key", "TsigAlgorithm": "hmac-sha512", "Timeout": "3s" }
          }
        }
        """;

    private sealed record Mutation(int Kind, int Target, int Other, int Value, string Text);

    /// <summary>A base config, the tree mutations applied to it in order, then optional text damage.</summary>
    private sealed record MutatedConfig(int Base, Mutation[] Mutations, int TruncateAt, int InsertAt, string Inserted)
    {
        public string Render()
        {
            var root = JsonNode.Parse(Bases[Base], documentOptions: DocumentOptions)!;
            // Odd values and deep nesting go in as markers replaced by raw JSON text afterwards: JsonNode would
            // refuse to write some of them (a lone surrogate escape, 300 levels of nesting).
            var raw = new List<string>();
            foreach (var mutation in Mutations)
            {
                Apply(root, mutation, raw);
            }

            var text = root.ToJsonString(WriteOptions);
            for (var i = 0; i < raw.Count; i++)
            {
                text = text.Replace($"\"{Marker(i)}\"", raw[i], StringComparison.Ordinal);
            }

            if (InsertAt >= 0)
            {
                var at = InsertAt % (text.Length + 1);
                text = text.Insert(at, Inserted);
            }

            if (TruncateAt >= 0)
            {
                text = text[..(TruncateAt % (text.Length + 1))];
            }

            return text;
        }

        private static string Marker(int index) => $"__raw_{index}__";

        private static JsonNode Raw(List<string> raw, string json)
        {
            raw.Add(json);
            return JsonValue.Create(Marker(raw.Count - 1));
        }

        private static string Nested(int depth) => depth % 2 == 0
            ? string.Concat(Enumerable.Repeat("[", depth)) + "1" + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

        private static void Apply(JsonNode root, Mutation mutation, List<string> raw)
        {
            var nodes = new List<(JsonNode Parent, string? Key, int Index)>();
            Collect(root, nodes);
            if (nodes.Count == 0)
            {
                return;
            }

            var (parent, key, index) = nodes[mutation.Target % nodes.Count];
            var current = key is null ? parent.AsArray()[index] : parent.AsObject()[key];
            switch (mutation.Kind)
            {
                case 0:
                    Remove(parent, key, index);
                    break;
                case 1 when key is not null:
                    var variant = key.ToUpperInvariant() != key ? key.ToUpperInvariant() : key.ToLowerInvariant();
                    if (variant != key && !parent.AsObject().ContainsKey(variant))
                    {
                        parent.AsObject().Add(variant, current?.DeepClone());
                    }

                    break;
                case 2:
                    Set(parent, key, index, Raw(raw, OddValues[mutation.Value % OddValues.Length]));
                    break;
                case 3:
                    var (otherParent, otherKey, otherIndex) = nodes[mutation.Other % nodes.Count];
                    var other = otherKey is null ? otherParent.AsArray()[otherIndex] : otherParent.AsObject()[otherKey];
                    Set(parent, key, index, other?.DeepClone());
                    break;
                case 4:
                    Set(parent, key, index, JsonValue.Create(mutation.Text));
                    break;
                case 5 when current is JsonObject target:
                    var name = mutation.Text.Length > 0 ? mutation.Text : "Unknown";
                    if (!target.ContainsKey(name))
                    {
                        target.Add(name, Raw(raw, OddValues[mutation.Value % OddValues.Length]));
                    }

                    break;
                case 6:
                    Set(parent, key, index, Raw(raw, Nested(1 + (mutation.Value % 300))));
                    break;
                case 7 when current is JsonValue value && value.TryGetValue<string>(out var s):
                    Set(parent, key, index, JsonValue.Create(s.Insert(mutation.Value % (s.Length + 1), mutation.Text)));
                    break;
                case 8 when key is null:
                    parent.AsArray().Insert(index, current?.DeepClone());
                    break;
                case 9 when key is not null:
                    var renamed = key + mutation.Text;
                    if (!parent.AsObject().ContainsKey(renamed))
                    {
                        parent.AsObject().Remove(key);
                        parent.AsObject().Add(renamed, current);
                    }

                    break;
                case 10:
                    Set(parent, key, index, JsonValue.Create(mutation.Value * Math.Pow(10, mutation.Other % 40) * (mutation.Target % 2 == 0 ? 1 : -1)));
                    break;
            }
        }

        private static void Collect(JsonNode node, List<(JsonNode, string?, int)> nodes)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj.ToList())
                    {
                        nodes.Add((obj, key, -1));
                        if (value is not null)
                        {
                            Collect(value, nodes);
                        }
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        nodes.Add((array, null, i));
                        if (array[i] is { } item)
                        {
                            Collect(item, nodes);
                        }
                    }

                    break;
            }
        }

        private static void Remove(JsonNode parent, string? key, int index)
        {
            if (key is null)
            {
                parent.AsArray().RemoveAt(index);
            }
            else
            {
                parent.AsObject().Remove(key);
            }
        }

        private static void Set(JsonNode parent, string? key, int index, JsonNode? value)
        {
            if (value?.Parent is not null)
            {
                value = value.DeepClone();
            }

            if (key is null)
            {
                parent.AsArray()[index] = value;
            }
            else
            {
                parent.AsObject()[key] = value;
            }
        }
    }
}
