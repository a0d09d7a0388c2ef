using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.Container;

/// <summary>
/// The binary runs on the chiseled runtime-deps base only if every shared library it needs is in that image:
/// deploy/container/base-image-libs.txt lists them, with its source. Checked two ways: what the binary links
/// (<c>ldd</c>) and what a serving edge has loaded, dlopen'ed libraries included (<c>/proc/PID/maps</c>).
/// </summary>
[Collection(LiveEdgeCollection.Name)]
public sealed partial class BaseImageLibrariesTests(LiveEdgeFixture live)
{
    private static readonly string ListPath = RepoPaths.Deploy("container", "base-image-libs.txt");

    [Fact]
    public async Task Ldd_BinaryUnderTest_LinksOnlyLibrariesTheBaseImageShips()
    {
        var (exitCode, output) = await HostTools.RunAsync("ldd", "libc-bin", [EdgeBinary.Path]);
        Assert.True(exitCode == 0, output);

        var needed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0])
            .Where(name => !name.StartsWith("linux-vdso", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .OfType<string>()
            .ToList();

        Assert.Contains("libc.so.6", needed);
        Assert.Empty(needed.Except(BaseImageLibraries()));
        Assert.DoesNotContain(needed, n => n.StartsWith("libicu", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadedLibraries_OfAnEdgeThatServedAndFailedOver_AreAllInTheBaseImage()
    {
        var mapped = File.ReadAllLines($"/proc/{live.Edge.Process.Pid}/maps")
            .Select(line => SharedObjectPath().Match(line))
            .Where(m => m.Success)
            .Select(m => m.Value)
            .Distinct()
            .ToList();
        Assert.Contains(mapped, p => Path.GetFileName(p) == "libc.so.6");

        // A framework-dependent apphost (plain `dotnet test`) also maps the .NET runtime's own libraries, which the
        // AOT binary has inside itself; the system libraries are the same either way.
        var dotnetRoot = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var system = EdgeBinary.IsNativeAot ? mapped : [.. mapped.Where(p => !p.StartsWith(dotnetRoot, StringComparison.Ordinal))];
        if (EdgeBinary.IsNativeAot)
        {
            Assert.DoesNotContain(mapped, p => p.Contains("coreclr", StringComparison.Ordinal) || p.Contains("clrjit", StringComparison.Ordinal));
        }

        // Mapped files carry their full version (libstdc++.so.6.0.30); the list has sonames (libstdc++.so.6).
        var listed = BaseImageLibraries();
        var missing = system
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(file => !listed.Contains(file) && !listed.Any(soname => file.StartsWith(soname + ".", StringComparison.Ordinal)))
            .ToList();
        Assert.True(missing.Count == 0, $"{EdgeBinary.Describe()} loaded libraries the base image lacks: {string.Join(", ", missing)}");
    }

    [Fact]
    public void List_NamesTheBaseImageOfTheDockerfilesFinalStage()
    {
        var image = File.ReadLines(ListPath).Single(l => l.StartsWith("# image: ", StringComparison.Ordinal))["# image: ".Length..].Trim();

        Assert.Equal(image, DockerfileTests.FinalStageImage());
    }

    private static HashSet<string> BaseImageLibraries() =>
        File.ReadLines(ListPath)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"/\S+\.so(\.[0-9.]+)?$")]
    private static partial Regex SharedObjectPath();
}
