using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Architecture;

/// <summary>
/// The folders of <c>src/NeuroPilot.Edge</c> form layers (docs/ARCHITECTURE.md, "Folder map"): a folder may use the
/// folders of lower layers, never one of its own layer or above. Evidence flows up (breakers and probes into
/// destination state, region health, routing and DNS), never back down.
/// </summary>
public sealed class FolderDependencyTests(ITestOutputHelper output)
{
    /// <summary>Lowest first. Program.cs (the entry point) sits above them all.</summary>
    public static readonly string[][] Layers =
    [
        ["Configuration"],
        ["Telemetry"],
        ["CircuitBreaking", "ClientIdentity", "Limits", "Tls", "Authentication", "Http1"],
        ["Routing"],
        ["Health", "Failover"],
        ["Fleet"],
        ["Forwarding", "Dns"],
        ["Admin"],
        ["Hosting"],
        ["Demo"],
        ["Cli"],
    ];

    private static readonly Lazy<FolderDependencies> Product = new(() => FolderDependencies.Read());

    [Fact]
    public void Source_EveryFolderUsesOnlyLowerLayers()
    {
        var dependencies = Product.Value;
        foreach (var ((from, to), example) in dependencies.Edges.OrderBy(e => e.Key.From, StringComparer.Ordinal).ThenBy(e => e.Key.To, StringComparer.Ordinal))
        {
            output.WriteLine($"{from} -> {to}   ({example})");
        }

        Assert.Empty(dependencies.Misplaced);
        var backEdges = BackEdges(dependencies);
        Assert.True(backEdges.Count == 0, $"a folder uses one of its own layer or above:\n{string.Join('\n', backEdges)}");
    }

    [Fact]
    public void Check_ABackEdge_IsReportedWithWhereItIs()
    {
        // Routing (layer 2) reaching up into Hosting (layer 5): the kind of edge the check exists to catch.
        var dependencies = FolderDependencies.Read(("Routing/BackEdge.cs", """
            namespace NeuroPilot.Edge.Routing;
            internal static class BackEdge
            {
                public static Type Host => typeof(NeuroPilot.Edge.Hosting.EdgeHost);
            }
            """));

        var edge = Assert.Single(BackEdges(dependencies), e => e.StartsWith("Routing -> Hosting", StringComparison.Ordinal));
        output.WriteLine(edge);
        Assert.Contains("Routing/BackEdge.cs:4", edge, StringComparison.Ordinal);
    }

    [Fact]
    public void Layers_NameEveryFolderOnce()
    {
        var folders = Directory.EnumerateDirectories(FolderDependencies.SourceRoot)
            .Select(Path.GetFileName)
            .Where(f => f is not ("bin" or "obj"))
            .Order(StringComparer.Ordinal);
        Assert.Equal(folders, Layers.SelectMany(l => l).Order(StringComparer.Ordinal));
    }

    /// <summary><c>From -> To (example)</c> for every use of a folder of the same or a higher layer.</summary>
    private static List<string> BackEdges(FolderDependencies dependencies) => dependencies.Edges
        .Where(e => LayerOf(e.Key.To) >= LayerOf(e.Key.From))
        .Select(e => $"{e.Key.From} -> {e.Key.To} (layer {LayerOf(e.Key.From)} -> {LayerOf(e.Key.To)}): {e.Value}")
        .Order(StringComparer.Ordinal)
        .ToList();

    private static int LayerOf(string folder)
    {
        var layer = Array.FindIndex(Layers, l => l.Contains(folder, StringComparer.Ordinal));
        return layer >= 0 ? layer : throw new InvalidOperationException($"folder {folder} is in no layer");
    }
}
