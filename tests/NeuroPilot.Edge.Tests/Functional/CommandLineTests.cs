using System.Text.RegularExpressions;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>The binary's command line: <c>check</c>, <c>--version</c>, unknown commands.</summary>
public sealed partial class CommandLineTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("neuropilot-edge-cli-");

    [Fact]
    public async Task Check_ConfigWithThreeSeparateMistakes_ExitsTwoWithOneLinePerMistakeNamingItsPath()
    {
        var path = Write("three-mistakes.json", """
            {
              "Edge": { "Listen": ["http://127.0.0.1:8080"], "Admin": { "Listen": "http://127.0.0.1:9901" }, "DrainTimeout": "forever" },
              "Services": {
                "api": {
                  "Regions": [ { "Name": "us-east", "Destinations": ["htp://x"] } ],
                  "Colour": "blue"
                }
              }
            }
            """);

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);

        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        AssertOneLineEach(
            result.StderrLines,
            $"{path}: Edge.DrainTimeout: \"forever\"",
            $"{path}: Services.api.Colour: unknown key",
            $"{path}: Services.api.Regions[0].Destinations[0]: \"htp://x\"");
    }

    [Fact]
    public async Task Check_HealthCheckPathNamingAnotherHost_ExitsTwoNamingThePathAndTheValue()
    {
        var path = Write("other-host-probe.json", NeuroPilot.Edge.Demo.DemoCommand.Config.Replace(
            "\"Path\": \"/healthz\"", "\"Path\": \"//127.0.0.1:9002/healthz\"", StringComparison.Ordinal));

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);

        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        AssertOneLineEach(result.StderrLines, $"{path}: Services.api.HealthCheck.Path: \"//127.0.0.1:9002/healthz\"");
    }

    [Fact]
    public async Task Check_DesignMinimalConfig_ExitsZero()
    {
        var path = Write("minimal.json", NeuroPilot.Edge.Demo.DemoCommand.Config);

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);

        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);
        Assert.Contains("valid", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ConfigWithFleet_ExitsZeroAndNamesTheMember()
    {
        var path = Write("fleet.json", NeuroPilot.Edge.Demo.DemoCommand.Config.TrimEnd().TrimEnd('}') + """
            , "Fleet": { "Etcd": { "Endpoints": ["http://127.0.0.1:2379", "http://127.0.0.1:22379"] }, "EdgeId": "edge-1", "LeaseTtl": "5s", "DnsQuorum": "majority" } }
            """);

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);

        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);
        Assert.Contains("fleet member \"edge-1\" through 2 etcd endpoints", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_FleetWithBadValues_ExitsTwoWithOneLinePerMistake()
    {
        var path = Write("fleet-bad.json", NeuroPilot.Edge.Demo.DemoCommand.Config.TrimEnd().TrimEnd('}') + """
            , "Fleet": { "Etcd": { "Endpoints": ["etcd:2379"], "Username": "edge", "PasswordEnv": "NEUROPILOT_EDGE_TEST_UNSET_ETCD_PW" }, "Prefix": "edges", "LeaseTtl": "90s" } }
            """);

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);

        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        AssertOneLineEach(
            result.StderrLines,
            $"{path}: Fleet.Etcd.Endpoints[0]: \"etcd:2379\"",
            $"{path}: Fleet.Prefix: \"edges\"",
            $"{path}: Fleet.LeaseTtl: \"90s\"");
    }

    [Fact]
    public async Task Check_FleetPasswordVariableUnset_ExitsTwoNamingTheKeyAndTheVariable()
    {
        var path = Write("fleet-no-password.json", NeuroPilot.Edge.Demo.DemoCommand.Config.TrimEnd().TrimEnd('}') + """
            , "Fleet": { "Etcd": { "Endpoints": ["http://127.0.0.1:2379"], "Username": "edge", "PasswordEnv": "NEUROPILOT_EDGE_TEST_UNSET_ETCD_PW" }, "EdgeId": "edge-1" } }
            """);

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);

        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        AssertOneLineEach(result.StderrLines, $"{path}: Fleet.Etcd.PasswordEnv: the environment variable NEUROPILOT_EDGE_TEST_UNSET_ETCD_PW is not set");
    }

    [Fact]
    public async Task Version_PrintsTheVersionAndExitsZero()
    {
        var result = await EdgeBinary.RunToExitAsync(Deadline, "--version");

        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(VersionLine(), result.Stdout);
    }

    [Fact]
    public async Task UnknownCommand_ExitsTwoWithAHint()
    {
        var result = await EdgeBinary.RunToExitAsync(Deadline, "frobnicate");

        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("frobnicate", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>Exactly one line per expected start, in any order, and no other line.</summary>
    private static void AssertOneLineEach(IReadOnlyList<string> lines, params string[] starts)
    {
        Assert.Equal(starts.Length, lines.Count);
        foreach (var start in starts)
        {
            Assert.Single(lines, line => line.StartsWith(start, StringComparison.Ordinal));
        }
    }

    [GeneratedRegex(@"^neuropilot-edge \d+\.\d+\.\d+\S*\n$")]
    private static partial Regex VersionLine();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}
