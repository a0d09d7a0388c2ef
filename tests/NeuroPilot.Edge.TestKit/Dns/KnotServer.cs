using System.Globalization;
using System.Security.Cryptography;

namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>
/// A real Knot DNS server (<c>knotd</c>, Debian package <c>knot</c>) run unprivileged on 127.0.0.1 at a free port,
/// with its config, zone file and database in a temp folder of its own. It serves one zone (<see cref="Zone"/>) and
/// accepts DNS UPDATE (RFC 2136) signed with the TSIG key <see cref="KeyName"/> (<see cref="Algorithm"/>, hmac-sha256
/// unless asked otherwise; secret <see cref="Secret"/>, base64, random per server). <see cref="StartAsync"/> returns
/// once the zone's SOA is served.
/// Disposing stops knotd (SIGTERM to its pid, SIGKILL if it lingers) and deletes the folder. Throws with the install
/// hint, never skips, when knotd or kdig is missing (tests/apt-packages.txt lists both packages).
/// </summary>
public sealed class KnotServer : IDisposable
{
    public const string DefaultZone = "example.com";
    public const string DefaultKeyName = "edge-key";
    public const string DefaultAlgorithm = "hmac-sha256";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromSeconds(10);

    private readonly ChildProcess _process;

    private KnotServer(ChildProcess process, string directory, int port, string zone, string keyName, string algorithm, string secret)
    {
        Algorithm = algorithm;
        _process = process;
        Directory = directory;
        Port = port;
        Zone = zone;
        KeyName = keyName;
        Secret = secret;
    }

    public int Port { get; }

    /// <summary>The zone served, without the trailing dot (<c>example.com</c>).</summary>
    public string Zone { get; }

    /// <summary>The TSIG key name the ACL allows to update.</summary>
    public string KeyName { get; }

    /// <summary>The TSIG key's algorithm: <c>hmac-sha256</c> or <c>hmac-sha512</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The TSIG secret, base64 (what <c>NEUROPILOT_EDGE_TSIG_SECRET</c> holds).</summary>
    public string Secret { get; }

    /// <summary>The temp folder: <c>knot.conf</c>, the zone file, the database.</summary>
    public string Directory { get; }

    public int Pid => _process.Pid;

    /// <summary>knotd's log (it logs to stderr).</summary>
    public ProcessOutput Output => _process.Output;

    /// <summary>
    /// A minimal zone file for <paramref name="zone"/>: SOA, one NS (<c>ns1</c>) with its address, and nothing else.
    /// </summary>
    public static string MinimalZoneText(string zone = DefaultZone) => $"""
        $ORIGIN {zone}.
        $TTL 60
        @    SOA  ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 60
        @    NS   ns1.{zone}.
        ns1  A    127.0.0.1

        """;

    /// <summary>
    /// Starts knotd serving <paramref name="zone"/> from <paramref name="zoneText"/> (<see cref="MinimalZoneText"/> when
    /// null), its TSIG key of <paramref name="algorithm"/> (any HMAC knotd knows: <c>hmac-sha256</c>, <c>hmac-sha512</c>).
    /// </summary>
    public static async Task<KnotServer> StartAsync(string? zoneText = null, string zone = DefaultZone, string keyName = DefaultKeyName, string algorithm = DefaultAlgorithm)
    {
        var knotd = FindTool("knotd", "knot");
        FindTool("kdig", "knot-dnsutils");
        var directory = System.IO.Directory.CreateTempSubdirectory("neuropilot-edge-knot-").FullName;
        var port = FreePorts.Next();
        // A secret as long as the hash's output (RFC 8945 6).
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(algorithm.EndsWith("512", StringComparison.Ordinal) ? 64 : 32));
        File.WriteAllText(Path.Combine(directory, $"{zone}.zone"), zoneText ?? MinimalZoneText(zone));
        // knotd does not create its database folder: without it every update fails with SERVFAIL ("not exists").
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "db"));
        var configPath = Path.Combine(directory, "knot.conf");
        File.WriteAllText(configPath, $"""
            server:
                rundir: "{directory}"
                pidfile: "{directory}/knot.pid"
                listen: 127.0.0.1@{port}

            control:
                listen: "{directory}/knot.sock"

            log:
              - target: stderr
                any: info

            database:
                storage: "{directory}/db"

            key:
              - id: {keyName}
                algorithm: {algorithm}
                secret: {secret}

            acl:
              - id: update-with-key
                key: {keyName}
                action: update

            template:
              - id: default
                storage: "{directory}"
                zonefile-sync: -1
                journal-content: changes

            zone:
              - domain: {zone}
                file: {zone}.zone
                acl: update-with-key

            """);

        var process = ChildProcess.Start(knotd, ["-c", configPath]);
        var server = new KnotServer(process, directory, port, zone, keyName, algorithm, secret);
        try
        {
            await Eventually.WaitUntilAsync(
                async () => process.HasExited
                    ? throw new InvalidOperationException($"knotd exited: {ChildProcess.DescribeExit(await process.WaitForExitAsync(ToolDeadline))}")
                    : (await server.DigAsync(zone, "SOA")).Length > 0,
                StartDeadline,
                () => $"knotd on 127.0.0.1:{port} serves the SOA of {zone}; knotd output:\n{process.Output.Tail()}");
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary><c>kdig +short</c> against this server: the answer's data lines (empty when there is none).</summary>
    public async Task<string> DigAsync(string name, string type)
    {
        var result = await ChildProcess.RunToExitAsync(
            FindTool("kdig", "knot-dnsutils"),
            [$"@127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "+short", "+time=1", "+retry=0", name, type],
            ToolDeadline);
        return result.ExitCode == 0 ? result.Stdout.Trim() : throw new InvalidOperationException($"kdig failed: {result}");
    }

    /// <summary>
    /// Runs <c>knsupdate</c> against this server with <paramref name="commands"/> (<c>update add api.example.com. 60 A
    /// 192.0.2.1</c>, one per line), signed with <paramref name="keyName"/>/<paramref name="secret"/> (this server's key
    /// when null), then <c>send</c>. Returns how knsupdate ended; exit code 0 means the server accepted the update.
    /// </summary>
    public Task<ProcessResult> NsUpdateAsync(string commands, string? keyName = null, string? secret = null)
    {
        var script = $"""
            server 127.0.0.1 {Port}
            zone {Zone}.
            origin {Zone}.
            {commands.Trim()}
            send
            answer
            quit

            """;
        return ChildProcess.RunToExitAsync(
            FindTool("knsupdate", "knot-dnsutils"),
            ["-t", "5", "-y", $"{Algorithm}:{keyName ?? KeyName}:{secret ?? Secret}"],
            ToolDeadline,
            script);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.SendSignal(UnixSignal.SIGTERM);
                _process.WaitForExitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // Still running or already gone: ChildProcess.Dispose kills it by its pid.
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }

    /// <summary>The path of <paramref name="command"/> on PATH or in the sbin folders (knotd lives in /usr/sbin).</summary>
    private static string FindTool(string command, string debianPackage)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin"]);
        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, command);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            $"{command} is not installed: the Knot DNS tests need the Debian package {debianPackage} " +
            "(apt-get install knot knot-dnsutils; tests/run.sh installs what tests/apt-packages.txt lists)");
    }
}
