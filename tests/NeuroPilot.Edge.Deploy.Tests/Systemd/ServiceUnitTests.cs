using System.Globalization;
using System.Text.RegularExpressions;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.Systemd;

/// <summary>
/// deploy/systemd/neuropilot-edge.service: parsed and checked by the machine's own systemd tools (no systemd runs
/// here, so they work offline), and its directives held to what the binary does.
/// </summary>
public sealed partial class ServiceUnitTests
{
    private const string InstalledBinary = "/usr/local/bin/neuropilot-edge";
    private static readonly string UnitPath = RepoPaths.Deploy("systemd", "neuropilot-edge.service");

    [Fact]
    public async Task SystemdAnalyzeVerify_Unit_IsClean()
    {
        using var folder = new TempDirectory();
        var unit = await InstallForTestAsync(folder);

        var (exitCode, output) = await HostTools.RunAsync("systemd-analyze", "systemd", ["verify", unit]);

        Assert.True(exitCode == 0 && !output.Contains("neuropilot-edge.service", StringComparison.Ordinal), $"systemd-analyze verify (exit {exitCode}):\n{output}");
    }

    [Fact]
    public async Task SystemdAnalyzeSecurity_Unit_ExposureIsAtMostTwo()
    {
        using var folder = new TempDirectory();
        var unit = await InstallForTestAsync(folder);

        var (_, output) = await HostTools.RunAsync("systemd-analyze", "systemd", ["security", "--offline=true", "--no-pager", unit]);

        var match = Exposure().Match(output);
        Assert.True(match.Success, output);
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, $"exposure {exposure} (0 is best, 10 worst):\n{output}");
    }

    [Fact]
    public void Unit_IsTypeNotify_WithWatchdog_ReloadBySighup_AndAStopTimeoutAboveTheDrain()
    {
        var unit = Directives();

        Assert.Equal(["notify"], unit["Type"]);
        Assert.Equal(["main"], unit["NotifyAccess"]);
        Assert.Equal([$"{InstalledBinary} run --config /etc/neuropilot-edge/edge.json"], unit["ExecStart"]);
        Assert.Equal([$"{InstalledBinary} check --config /etc/neuropilot-edge/edge.json", "/bin/kill -HUP $MAINPID"], unit["ExecReload"]);
        Assert.True(Seconds(unit["WatchdogSec"].Single()) >= 2, "WatchdogSec too short for a keep-alive every half of it");
        Assert.True(Seconds(unit["TimeoutStopSec"].Single()) > EdgeDefaults.DrainTimeout.TotalSeconds, "TimeoutStopSec must exceed Edge.DrainTimeout");
        Assert.Equal(["2"], unit["RestartPreventExitStatus"]);
    }

    [Fact]
    public void Unit_IsHardened_WithoutCapabilities_AndOnlyInetAndUnixSockets()
    {
        var unit = Directives();

        Assert.Equal(["yes"], unit["DynamicUser"]);
        Assert.Equal(["strict"], unit["ProtectSystem"]);
        Assert.Equal(["yes"], unit["NoNewPrivileges"]);
        Assert.Equal([""], unit["CapabilityBoundingSet"]);
        Assert.Equal([""], unit["AmbientCapabilities"]);
        Assert.Equal(["AF_INET AF_INET6 AF_UNIX"], unit["RestrictAddressFamilies"]);
        Assert.Equal(["yes"], unit["MemoryDenyWriteExecute"]);
        Assert.Contains("-/etc/neuropilot-edge/edge.env", unit["EnvironmentFile"]);
    }

    [Fact]
    public void Unit_LeavesTheTlsFolderReadableInPlace_NotCopiedAsACredential_SoRenewalsNeedNoRestart()
    {
        var unit = Directives();

        Assert.Equal(["-/etc/neuropilot-edge/tls"], unit["ReadOnlyPaths"]);
        Assert.False(unit.TryGetValue("LoadCredential", out var credentials) && credentials.Any(c => c.Contains("tls", StringComparison.Ordinal)),
            "certificates passed with LoadCredential= are copied once at start: a renewal would need a restart");
        var readme = File.ReadAllText(RepoPaths.Deploy("systemd", "README.md"));
        Assert.Contains("## TLS certificates", readme, StringComparison.Ordinal);
        Assert.Contains("SupplementaryGroups=neuropilot-edge-tls", readme, StringComparison.Ordinal);
    }

    /// <summary>A copy of the unit whose binary path is the binary under test (systemd-analyze checks it exists and runs).</summary>
    private static async Task<string> InstallForTestAsync(TempDirectory folder)
    {
        var text = await File.ReadAllTextAsync(UnitPath);
        Assert.Contains(InstalledBinary, text, StringComparison.Ordinal);
        var path = folder.File("neuropilot-edge.service");
        await File.WriteAllTextAsync(path, text.Replace(InstalledBinary, EdgeBinary.Path, StringComparison.Ordinal));
        return path;
    }

    private static Dictionary<string, List<string>> Directives()
    {
        var directives = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(UnitPath).Select(l => l.Trim()))
        {
            if (line.Length == 0 || line[0] is '#' or ';' or '[')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var key = line[..equals];
            if (!directives.TryGetValue(key, out var values))
            {
                directives[key] = values = [];
            }

            values.Add(line[(equals + 1)..]);
        }

        return directives;
    }

    private static double Seconds(string value)
    {
        var match = TimeSpanValue().Match(value);
        Assert.True(match.Success, $"\"{value}\" is not a time span in seconds or minutes");
        var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value == "min" ? number * 60 : number;
    }

    [GeneratedRegex(@"Overall exposure level for \S+: ([0-9.]+)")]
    private static partial Regex Exposure();

    [GeneratedRegex(@"^([0-9.]+)(s|min)?$")]
    private static partial Regex TimeSpanValue();
}
