using System.Net;
using System.Net.Sockets;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Bad start-up input, tried as an attacker or a tired operator would: files named by the config or the environment
/// that are missing, directories, FIFOs or huge, and listeners that cannot be bound. <c>run</c> never crashes with a
/// stack trace: it prints one line naming the key or variable and exits 2 (1 for a listener that cannot be bound,
/// which a restart may fix); <c>check</c> finds the same file problems with the same line.
/// </summary>
public sealed class StartupInputTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("neuropilot-edge-startup-");

    public static TheoryData<string> BadInputs() =>
    [
        "access log in a missing directory",
        "access log path is a directory",
        "admin token file missing",
        "admin token file is a directory",
        "admin token file is a FIFO",
        "admin token file larger than 64 KiB",
        "DNS secret file missing",
        "DNS secret file is a FIFO",
        "config file missing",
        "config path is a directory",
        "config path is a FIFO",
        "config file larger than 4 MiB",
    ];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task RunAndCheck_BadStartupInput_PrintOneLineNamingItAndExitTwo(string input)
    {
        var (configPath, environment, expected) = await ArrangeAsync(input);

        foreach (var command in new[] { "check", "run" })
        {
            var result = await ChildProcess.RunToExitAsync(EdgeBinary.Path, [command, "--config", configPath], Deadline, environment: environment);

            output.WriteLine($"{command}: {result}");
            Assert.DoesNotContain("Unhandled exception", result.Output, StringComparison.Ordinal);
            Assert.True(result.ExitCode == 2, $"{command} with {input}: expected exit code 2, got {ChildProcess.DescribeExit(result.ExitCode)}\n{result}");
            var line = Assert.Single(result.StderrLines);
            Assert.StartsWith($"{configPath}: ", line, StringComparison.Ordinal);
            foreach (var text in expected)
            {
                Assert.Contains(text, line, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Run_ListenPortInUse_PrintsOneLineNamingTheListenerAndExitsOne()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var busyPort = ((IPEndPoint)holder.LocalEndpoint).Port;
        var configPath = Write("edge.json", Config(proxyPort: busyPort));

        var result = await EdgeBinary.RunToExitAsync(Deadline, "run", "--config", configPath);

        output.WriteLine(result.ToString());
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains($"Edge.Listen[0]: \"http://127.0.0.1:{busyPort}\"", line, StringComparison.Ordinal);
        Assert.Contains("address already in use", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Run_AdminListenAddressNotOnThisHost_PrintsOneLineNamingTheAdminListenerAndExitsOne()
    {
        // 192.0.2.1 (TEST-NET-1) is never an address of this host: bind fails with EADDRNOTAVAIL.
        var configPath = Write("edge.json", Config(adminUrl: $"http://192.0.2.1:{FreePorts.Next()}"));

        var result = await EdgeBinary.RunToExitAsync(Deadline, "run", "--config", configPath);

        output.WriteLine(result.ToString());
        Assert.DoesNotContain("Unhandled exception", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("Edge.Admin.Listen: \"http://192.0.2.1:", line, StringComparison.Ordinal);
        Assert.Contains("cannot assign requested address", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Run_AdminTokenFileReadableByOthers_WarnsOnceWithoutTheTokenAndStillUsesIt()
    {
        const string Token = "token-readable-by-others-7c1d3e5f";
        var tokenFile = Write("admin-token", Token + "\n");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        using var edge = await EdgeProcess.StartAsync(
            EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All),
            new Dictionary<string, string?> { ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = null, ["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE"] = tokenFile });

        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/reload");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        using var response = await edge.SendAdminAsync(request);

        output.WriteLine(edge.Output.Stderr);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var warning = Assert.Single(edge.Output.StderrLines, l => l.Contains("NEUROPILOT_EDGE_ADMIN_TOKEN_FILE", StringComparison.Ordinal));
        Assert.Contains(tokenFile, warning, StringComparison.Ordinal);
        Assert.Contains("0644", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, edge.Output.Combined, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private async Task<(string ConfigPath, Dictionary<string, string?> Environment, string[] Expected)> ArrangeAsync(string input)
    {
        var environment = new Dictionary<string, string?>
        {
            ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = null,
            ["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE"] = null,
            ["CLOUDFLARE_API_TOKEN"] = null,
            ["CLOUDFLARE_API_TOKEN_FILE"] = null,
            ["CREDENTIALS_DIRECTORY"] = null,
        };
        var dir = _directory.FullName;
        switch (input)
        {
            case "access log in a missing directory":
                var missingLog = Path.Combine(dir, "missing", "access.log");
                return (Write("edge.json", Config(accessLog: missingLog)), environment,
                    ["Edge.AccessLog.Path", missingLog, "no such file or directory"]);
            case "access log path is a directory":
                return (Write("edge.json", Config(accessLog: dir)), environment, ["Edge.AccessLog.Path", "is a directory"]);
            case "admin token file missing":
                environment["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE"] = Path.Combine(dir, "no-token");
                return (Write("edge.json", Config()), environment, ["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE", "no such file or directory"]);
            case "admin token file is a directory":
                environment["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE"] = dir;
                return (Write("edge.json", Config()), environment, ["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE", "is a directory"]);
            case "admin token file is a FIFO":
                environment["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE"] = await MakeFifoAsync("token.fifo");
                return (Write("edge.json", Config()), environment, ["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE", "is a FIFO"]);
            case "admin token file larger than 64 KiB":
                environment["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE"] = Write("big-token", new string('x', 65 * 1024));
                return (Write("edge.json", Config()), environment, ["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE", "larger than 64 KiB"]);
            case "DNS secret file missing":
                environment["CLOUDFLARE_API_TOKEN_FILE"] = Path.Combine(dir, "no-cloudflare-token");
                return (Write("edge.json", Config(root: DnsSection)), environment, ["CLOUDFLARE_API_TOKEN_FILE", "no such file or directory"]);
            case "DNS secret file is a FIFO":
                environment["CLOUDFLARE_API_TOKEN_FILE"] = await MakeFifoAsync("cloudflare.fifo");
                return (Write("edge.json", Config(root: DnsSection)), environment, ["CLOUDFLARE_API_TOKEN_FILE", "is a FIFO"]);
            case "config file missing":
                return (Path.Combine(dir, "no-such-edge.json"), environment, ["no such file or directory"]);
            case "config path is a directory":
                return (dir, environment, ["is a directory"]);
            case "config path is a FIFO":
                return (await MakeFifoAsync("edge.json"), environment, ["is a FIFO"]);
            case "config file larger than 4 MiB":
                // Valid JSON: a reader without a cap would accept it.
                return (Write("edge.json", Config() + new string(' ', 4 * 1024 * 1024)), environment, ["larger than 4 MiB"]);
            default:
                throw new ArgumentOutOfRangeException(nameof(input), input, null);
        }
    }

    private const string DnsSection = """
        "Dns": {
          "Provider": "cloudflare", "OwnerId": "edge-fleet-1",
          "Records": [ { "Name": "api.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.10"] } } ],
          "Cloudflare": { "ZoneId": "023e105f4ecef8ad9ca31a8372d0c353", "ApiBaseUrl": "http://127.0.0.1:9" }
        },
        """;

    private static string Config(string? accessLog = null, int? proxyPort = null, string? adminUrl = null, string root = "")
    {
        var access = accessLog is null ? "" : $$""", "AccessLog": { "Enabled": true, "Path": "{{accessLog}}" }""";
        return $$"""
            {
              {{root}}
              "Edge": {
                "Listen": ["http://127.0.0.1:{{proxyPort ?? FreePorts.Next()}}"],
                "Admin": { "Listen": "{{adminUrl ?? $"http://127.0.0.1:{FreePorts.Next()}"}}" }{{access}}
              },
              "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9"] } ] } }
            }
            """;
    }

    private async Task<string> MakeFifoAsync(string name)
    {
        var path = Path.Combine(_directory.FullName, name);
        var made = await ChildProcess.RunToExitAsync("mkfifo", [path], TimeSpan.FromSeconds(5));
        Assert.True(made.ExitCode == 0, made.ToString());
        return path;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}
