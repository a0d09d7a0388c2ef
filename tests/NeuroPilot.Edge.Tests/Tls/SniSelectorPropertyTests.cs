using System.Diagnostics;
using CsCheck;
using NeuroPilot.Edge.Tls;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Tls;

/// <summary>
/// <see cref="SniSelector"/> against a plain reading of its rule (first exact name in config order, else first
/// one-label wildcard, else the first certificate), over random certificate name lists and random server names
/// drawn from a small alphabet so that matches, near misses and duplicates are common.
/// </summary>
public sealed class SniSelectorPropertyTests(ITestOutputHelper output)
{
    private const int Cases = 20_000;

    private static readonly string[] Labels = ["a", "b", "api", "www", "Api", "*", "example", "com", "x-1", ""];

    private static readonly Gen<string> Name = Gen.Int[0, Labels.Length - 1].Array[1, 4].Select(parts => string.Join('.', parts.Select(i => Labels[i])));

    private static readonly Gen<(string[][] Certificates, string?[] Asked)> Scenario = Gen.Select(
        Name.Array[0, 4].Array[1, 5],
        Gen.OneOf(Name.Select(n => (string?)n), Gen.Const((string?)null)).Array[1, 8]);

    [Fact]
    public void Select_RandomCertificatesAndNames_AgreesWithTheRuleReadPlainly()
    {
        var clock = Stopwatch.StartNew();
        Scenario.Sample(
            scenario =>
            {
                var names = scenario.Certificates.Select(c => (IReadOnlyList<string>)c.Select(n => n.ToLowerInvariant()).ToArray()).ToArray();
                var selector = new SniSelector(names);
                foreach (var asked in scenario.Asked)
                {
                    var expected = Reference(names, asked);
                    var actual = selector.Select(asked);
                    if (expected != actual)
                    {
                        throw new InvalidOperationException($"\"{asked}\" against [{string.Join(" | ", names.Select(n => string.Join(", ", n)))}]: expected {expected}, got {actual}");
                    }
                }
            },
            iter: Cases);

        output.WriteLine($"{Cases} random certificate sets (up to 8 names asked each) in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static int Reference(IReadOnlyList<IReadOnlyList<string>> certificates, string? asked)
    {
        if (string.IsNullOrEmpty(asked))
        {
            return 0;
        }

        for (var i = 0; i < certificates.Count; i++)
        {
            if (certificates[i].Any(n => !n.Contains('*', StringComparison.Ordinal) && n.Length > 0 && string.Equals(n, asked, StringComparison.OrdinalIgnoreCase)))
            {
                return i;
            }
        }

        var labels = asked.Split('.');
        for (var i = 0; i < certificates.Count; i++)
        {
            foreach (var name in certificates[i])
            {
                var parts = name.Split('.');
                if (name.Length > 2 && parts.Length >= 2 && parts[0] == "*" && !parts.Skip(1).Any(p => p.Contains('*', StringComparison.Ordinal)) &&
                    labels.Length == parts.Length && labels[0].Length > 0 &&
                    labels.Skip(1).SequenceEqual(parts.Skip(1), StringComparer.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
        }

        return 0;
    }
}
