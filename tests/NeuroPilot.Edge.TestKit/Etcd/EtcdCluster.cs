using System.Globalization;
using System.Net.Http;

namespace NeuroPilot.Edge.Tests.TestKit.Etcd;

/// <summary>
/// A real etcd cluster (<c>/usr/bin/etcd</c>, Debian package <c>etcd-server</c>) of <see cref="Size"/> members on
/// 127.0.0.1, each on free client and peer ports with a data folder of its own under one temp folder, bootstrapped
/// with <c>--initial-cluster-state new</c> and a token unique to this cluster. <see cref="StartAsync"/> returns once
/// every member answers <c>/health</c> true (it has a leader and serves). A member can be stopped and started again
/// (it rejoins with its data folder); disposing kills every member and deletes the folder. Throws with the install
/// hint, never skips, when etcd is missing (tests/apt-packages.txt lists the package).
/// </summary>
public sealed class EtcdCluster : IDisposable
{
    public static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(5);

    private readonly string _etcd;
    private readonly string _directory;
    private readonly string _token;
    private readonly int[] _clientPorts;
    private readonly int[] _peerPorts;
    private readonly ChildProcess?[] _members;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private EtcdCluster(string etcd, string directory, int size)
    {
        _etcd = etcd;
        _directory = directory;
        _token = $"neuropilot-edge-test-{Path.GetFileName(directory)}";
        _clientPorts = FreePorts.Take(size);
        _peerPorts = FreePorts.Take(size);
        _members = new ChildProcess?[size];
    }

    public int Size => _members.Length;

    /// <summary>The client URL of each member (<c>http://127.0.0.1:PORT</c>), in member order.</summary>
    public IReadOnlyList<string> ClientUrls => [.. _clientPorts.Select(p => $"http://127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}")];

    /// <summary>The temp folder holding each member's data folder.</summary>
    public string Directory => _directory;

    public static string MemberName(int member) => $"m{member.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Starts <paramref name="size"/> members and waits until every one of them is healthy.</summary>
    public static async Task<EtcdCluster> StartAsync(int size = 3)
    {
        var etcd = File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd"
            : throw new InvalidOperationException("etcd is not installed: apt-get install etcd-server (tests/apt-packages.txt lists it)");
        var cluster = new EtcdCluster(etcd, System.IO.Directory.CreateTempSubdirectory("neuropilot-edge-etcd-").FullName, size);
        try
        {
            for (var member = 0; member < size; member++)
            {
                cluster.Launch(member);
            }

            for (var member = 0; member < size; member++)
            {
                await cluster.WaitUntilHealthyAsync(member);
            }
        }
        catch
        {
            cluster.Dispose();
            throw;
        }

        return cluster;
    }

    public bool IsRunning(int member) => _members[member] is { HasExited: false };

    /// <summary>The member's log (etcd logs to stderr).</summary>
    public ProcessOutput? Output(int member) => _members[member]?.Output;

    /// <summary>True when the member answers <c>GET /health</c> with <c>"health":"true"</c> right now (one attempt).</summary>
    public async Task<bool> IsHealthyAsync(int member)
    {
        try
        {
            var body = await _http.GetStringAsync($"{ClientUrls[member]}/health");
            return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// The member that is etcd's raft leader now, asked of the running members through the gRPC gateway
    /// (<c>POST /v3/maintenance/status</c>: the member's own id and the leader's); null when none of them knows one.
    /// </summary>
    public async Task<int?> RaftLeaderAsync()
    {
        for (var member = 0; member < Size; member++)
        {
            if (!IsRunning(member))
            {
                continue;
            }

            try
            {
                using var response = await _http.PostAsync($"{ClientUrls[member]}/v3/maintenance/status", new StringContent("{}"));
                using var status = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var root = status.RootElement;
                if (root.TryGetProperty("leader", out var leader) && root.GetProperty("header").GetProperty("member_id").GetString() == leader.GetString())
                {
                    return member;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // This member does not answer (or knows no leader): ask the next.
            }
        }

        return null;
    }

    /// <summary>Stops a member (SIGTERM, SIGKILL if it lingers) and waits until it has exited.</summary>
    public async Task StopMemberAsync(int member)
    {
        if (_members[member] is not { } process)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.SendSignal(UnixSignal.SIGTERM);
                await process.WaitForExitAsync(StopDeadline);
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // Lingering: ChildProcess.Dispose kills it.
        }

        process.Dispose();
        _members[member] = null;
    }

    /// <summary>
    /// Starts a stopped member again on its ports and data folder; with <paramref name="waitUntilHealthy"/>, waits
    /// until it is healthy (which needs a majority of the members running).
    /// </summary>
    public async Task StartMemberAsync(int member, bool waitUntilHealthy = true)
    {
        if (IsRunning(member))
        {
            throw new InvalidOperationException($"member {MemberName(member)} is running");
        }

        Launch(member);
        if (waitUntilHealthy)
        {
            await WaitUntilHealthyAsync(member);
        }
    }

    /// <summary>
    /// Turns etcd's auth on with <c>etcdctl</c> (Debian package <c>etcd-client</c>): a <c>root</c> user, and
    /// <paramref name="user"/> with <paramref name="password"/> allowed to read and write keys under
    /// <paramref name="prefix"/> only. From then on every call needs a token.
    /// </summary>
    public async Task EnableAuthAsync(string user, string password, string prefix)
    {
        var etcdctl = File.Exists("/usr/bin/etcdctl") ? "/usr/bin/etcdctl"
            : throw new InvalidOperationException("etcdctl is not installed: apt-get install etcd-client (tests/apt-packages.txt lists it)");
        string[][] commands =
        [
            ["user", "add", "root", "--new-user-password", $"root-{_token}"],
            ["user", "grant-role", "root", "root"],
            ["role", "add", "fleet"],
            ["role", "grant-permission", "fleet", "--prefix=true", "readwrite", prefix],
            ["user", "add", user, "--new-user-password", password],
            ["user", "grant-role", user, "fleet"],
            ["auth", "enable"],
        ];
        foreach (var command in commands)
        {
            var result = await ChildProcess.RunToExitAsync(etcdctl, ["--endpoints", string.Join(',', ClientUrls), "--dial-timeout", "2s", .. command], StopDeadline,
                environment: new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"etcdctl {string.Join(' ', command)} failed: {result}");
            }
        }
    }

    public Task WaitUntilHealthyAsync(int member) =>
        Eventually.WaitUntilAsync(
            async () => _members[member] is { HasExited: true } exited
                ? throw new InvalidOperationException($"etcd {MemberName(member)} exited: {ChildProcess.DescribeExit(await exited.WaitForExitAsync(StopDeadline))}")
                : await IsHealthyAsync(member),
            StartDeadline,
            () => $"etcd {MemberName(member)} on {ClientUrls[member]} is healthy; its output:\n{_members[member]?.Output.Tail()}");

    private void Launch(int member)
    {
        var name = MemberName(member);
        var peer = $"http://127.0.0.1:{_peerPorts[member].ToString(CultureInfo.InvariantCulture)}";
        var initialCluster = string.Join(',', Enumerable.Range(0, Size).Select(m => $"{MemberName(m)}=http://127.0.0.1:{_peerPorts[m].ToString(CultureInfo.InvariantCulture)}"));
        _members[member] = ChildProcess.Start(_etcd,
        [
            "--name", name,
            "--data-dir", Path.Combine(_directory, name),
            "--listen-client-urls", ClientUrls[member],
            "--advertise-client-urls", ClientUrls[member],
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initialCluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", _token,
            // Faster elections than the defaults (100 ms, 1 s): loopback has no latency to allow for.
            "--heartbeat-interval", "50",
            "--election-timeout", "500",
            "--logger", "zap",
            "--log-level", "warn",
        ]);
    }

    public void Dispose()
    {
        for (var member = 0; member < _members.Length; member++)
        {
            _members[member]?.Dispose();
            _members[member] = null;
        }

        _http.Dispose();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying member: the temp folder is cleaned by the OS.
        }
    }
}
