using System.Text.RegularExpressions;

namespace NeuroPilot.Edge.Tests.Architecture;

/// <summary>House rules of src/ARCHITECTURE.md that no analyzer holds.</summary>
public sealed partial class HouseRulesTests
{
    [Fact]
    public void Source_AwaitsArePlain_NoConfigureAwait()
    {
        // src/ is an application: Kestrel, the generic host and the console commands run without a SynchronizationContext.
        var offenders = SourceFiles().Where(f => f.Text.Contains(".ConfigureAwait(", StringComparison.Ordinal)).Select(f => f.Path).ToList();
        Assert.True(offenders.Count == 0, $"ConfigureAwait in: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void Source_RequestPathDrawsFromAnInjectedRandom_NeverRandomSharedDirectly()
    {
        // Destination picking draws from RegionRoute.Choices, so tests can script it.
        var offenders = SourceFiles().Where(f => f.Path.StartsWith("Routing", StringComparison.Ordinal) || f.Path.StartsWith("Forwarding", StringComparison.Ordinal) || f.Path.StartsWith("Failover", StringComparison.Ordinal))
            .Where(f => RandomSharedDraw().IsMatch(f.Text))
            .Select(f => f.Path).ToList();
        Assert.True(offenders.Count == 0, $"Random.Shared drawn directly in: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void Source_EveryConfigLoadForUseRunsTheFeatureChecks()
    {
        // The one-argument ConfigLoader.Load skips the features' checks (a JWKS without a usable key would pass).
        var offenders = SourceFiles().Where(f => !f.Path.StartsWith("Configuration", StringComparison.Ordinal))
            .Where(f => ConfigLoadWithoutChecks().IsMatch(f.Text))
            .Select(f => f.Path).ToList();
        Assert.True(offenders.Count == 0, $"ConfigLoader.Load or LoadFile without the feature checks in: {string.Join(", ", offenders)}");
        Assert.Matches(ConfigLoadWithoutChecks(), "var config = ConfigLoader.Load(text);");
        Assert.DoesNotMatch(ConfigLoadWithoutChecks(), "var config = ConfigLoader.Load(text, EdgeConfigChecks.All);");
    }

    private static IEnumerable<(string Path, string Text)> SourceFiles()
    {
        var root = FolderDependencies.SourceRoot;
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !f.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => (f, File.ReadAllText(Path.Combine(root, f))));
    }

    [GeneratedRegex(@"ConfigLoader\.Load(File)?\([^,()]*\)")]
    private static partial Regex ConfigLoadWithoutChecks();

    [GeneratedRegex(@"Random\.Shared\.Next")]
    private static partial Regex RandomSharedDraw();
}
