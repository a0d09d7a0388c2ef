using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Tls;

namespace NeuroPilot.Edge.Deploy.Tests.Systemd;

/// <summary>
/// deploy/systemd/fleet/: the drop-in, the fleet config and the etcd member file, checked the way the single-edge
/// files are: the config passes <c>neuropilot-edge check</c>, the unit with its drop-in passes
/// <c>systemd-analyze verify</c>, the etcd password is only ever a file handed over as a systemd credential, and the
/// etcd settings are flags the installed etcd knows.
/// </summary>
public sealed partial class FleetExampleTests
{
    private const string InstalledBinary = "/usr/local/bin/neuropilot-edge";
    private const string CredentialPath = "/run/credentials/neuropilot-edge.service/etcd-password";
    private const string CaPath = "/etc/neuropilot-edge/etcd-ca.pem";
    private static readonly string[] EtcdGuides =
    [
        "https://etcd.io/docs/v3.4/op-guide/clustering/",
        "https://etcd.io/docs/v3.4/op-guide/hardware/",
        "https://etcd.io/docs/v3.4/op-guide/security/",
    ];

    [Fact]
    public async Task FleetConfig_PassesCheck_WithThePasswordFileAndCaInPlace()
    {
        using var folder = new TempDirectory();
        using var certificates = new TestCertificates();
        var password = folder.File("etcd-password");
        await File.WriteAllTextAsync(password, "test-password\n");
        var config = (await File.ReadAllTextAsync(Fleet("edge.json")))
            .Replace(CredentialPath, password, StringComparison.Ordinal)
            .Replace(CaPath, certificates.Ca.Certificate, StringComparison.Ordinal);
        var path = folder.File("edge.json");
        await File.WriteAllTextAsync(path, config);

        var (exitCode, output) = await ChildProcess.RunToExitAsync(EdgeBinary.Path, ["check", "--config", path], TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, output);
        Assert.Contains("through 3 etcd endpoints", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FleetConfig_WithoutThePasswordFile_FailsCheck_NamingTheKey()
    {
        // The credential's path is what the config reads: without the file (no LoadCredential=) check refuses it.
        using var folder = new TempDirectory();
        using var certificates = new TestCertificates();
        var config = (await File.ReadAllTextAsync(Fleet("edge.json")))
            .Replace(CredentialPath, folder.File("missing-etcd-password"), StringComparison.Ordinal)
            .Replace(CaPath, certificates.Ca.Certificate, StringComparison.Ordinal);
        var path = folder.File("edge.json");
        await File.WriteAllTextAsync(path, config);

        var (exitCode, output) = await ChildProcess.RunToExitAsync(EdgeBinary.Path, ["check", "--config", path], TimeSpan.FromSeconds(30));

        Assert.Equal(2, exitCode);
        Assert.Contains("Fleet.Etcd.PasswordFile", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FleetConfig_NamesThePasswordByTheCredentialOfTheDropIn_NeverInline()
    {
        var fleet = JsonNode.Parse(await File.ReadAllTextAsync(Fleet("edge.json")))!["Fleet"]!;
        var etcd = fleet["Etcd"]!.AsObject();
        var dropIn = Directives(Fleet("fleet.conf"));

        Assert.False(etcd.ContainsKey("Password"));
        Assert.Null(etcd["PasswordEnv"]);
        Assert.Equal(CredentialPath, etcd["PasswordFile"]!.GetValue<string>());
        Assert.Equal(["etcd-password:/etc/neuropilot-edge/etcd-password"], dropIn["LoadCredential"]);
        Assert.Null(fleet["EdgeId"]); // each edge is its host name: one file for every edge
        Assert.Equal(3, etcd["Endpoints"]!.AsArray().Count);
        Assert.All(etcd["Endpoints"]!.AsArray(), e => Assert.StartsWith("https://", e!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnitWithFleetDropIn_SystemdAnalyzeVerify_IsClean_AndReadsTheDropIn()
    {
        using var folder = new TempDirectory();
        var dropIns = Directory.CreateDirectory(folder.File("neuropilot-edge.service.d")).FullName;
        var unitText = await File.ReadAllTextAsync(RepoPaths.Deploy("systemd", "neuropilot-edge.service"));
        var unit = folder.File("neuropilot-edge.service");
        await File.WriteAllTextAsync(unit, unitText.Replace(InstalledBinary, EdgeBinary.Path, StringComparison.Ordinal));
        File.Copy(Fleet("fleet.conf"), Path.Combine(dropIns, "fleet.conf"));

        var clean = await VerifyAsync(folder, unit);
        // The same with one directive of the drop-in misspelled: proves systemd-analyze reads the drop-in at all.
        await File.AppendAllTextAsync(Path.Combine(dropIns, "fleet.conf"), "LoadCredentialTypo=x\n");
        var broken = await VerifyAsync(folder, unit);

        Assert.True(clean.ExitCode == 0 && !clean.Output.Contains("neuropilot-edge.service", StringComparison.Ordinal), $"systemd-analyze verify (exit {clean.ExitCode}):\n{clean.Output}");
        Assert.Contains("fleet.conf", broken.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EtcdMemberFile_LinksEtcdsGuides_BootstrapsThreeMembers_WithFlagsTheInstalledEtcdKnows()
    {
        var text = await File.ReadAllTextAsync(Fleet("etcd.env"));
        var settings = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var etcd = HostTools.Require("etcd", "etcd-server");
        var (_, help) = await ChildProcess.RunToExitAsync(etcd, ["--help"], TimeSpan.FromSeconds(30));

        Assert.All(EtcdGuides, link => Assert.Contains(link, text, StringComparison.Ordinal));
        foreach (var name in settings.Keys)
        {
            Assert.StartsWith("ETCD_", name, StringComparison.Ordinal);
            var flag = "--" + name["ETCD_".Length..].ToLowerInvariant().Replace('_', '-');
            Assert.True(help.Contains($"  {flag} ", StringComparison.Ordinal) || help.Contains($"  {flag}\n", StringComparison.Ordinal), $"{name}: etcd has no flag {flag}");
        }

        var members = settings["ETCD_INITIAL_CLUSTER"].Split(',').Select(m => m.Split('=', 2)[0]).ToList();
        Assert.Equal(3, members.Count);
        Assert.Contains(settings["ETCD_NAME"], members);
        Assert.Equal("true", settings["ETCD_PEER_CLIENT_CERT_AUTH"]);
        Assert.All(settings.Where(s => s.Key.EndsWith("_URLS", StringComparison.Ordinal) || s.Key == "ETCD_INITIAL_CLUSTER"),
            s => Assert.DoesNotContain("http://", s.Value, StringComparison.Ordinal));
        Assert.DoesNotMatch(PasswordSetting(), text);
    }

    [Fact]
    public async Task SystemdReadme_ShowsTheFleetSetup_WithEtcdsGuides()
    {
        var readme = await File.ReadAllTextAsync(RepoPaths.Deploy("systemd", "README.md"));

        Assert.Contains("## A fleet of edges (etcd)", readme, StringComparison.Ordinal);
        Assert.All(EtcdGuides, link => Assert.Contains(link, readme, StringComparison.Ordinal));
        Assert.All(new[] { "fleet/fleet.conf", "fleet/edge.json", "fleet/etcd.env" }, file => Assert.True(File.Exists(RepoPaths.Deploy("systemd", file)), file));
    }

    private static string Fleet(string file) => RepoPaths.Deploy("systemd", "fleet", file);

    private static Task<ProcessResult> VerifyAsync(TempDirectory folder, string unit) =>
        ChildProcess.RunToExitAsync(HostTools.Require("systemd-analyze", "systemd"), ["verify", unit], TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string?> { ["SYSTEMD_UNIT_PATH"] = folder.Path + ":" });

    private static Dictionary<string, List<string>> Directives(string path)
    {
        var directives = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or ';' or '[')))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (!directives.TryGetValue(line[..equals], out var values))
            {
                directives[line[..equals]] = values = [];
            }

            values.Add(line[(equals + 1)..]);
        }

        return directives;
    }

    [GeneratedRegex(@"(?im)^\s*[A-Z_]*PASSWORD[A-Z_]*\s*=")]
    private static partial Regex PasswordSetting();
}
