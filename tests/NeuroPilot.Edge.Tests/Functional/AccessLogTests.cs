using System.Text.Json;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>The access log file against the real binary: log rotation by rename and SIGUSR1, as with nginx.</summary>
public sealed class AccessLogTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("neuropilot-edge-accesslog-");

    [Fact]
    public async Task AccessLog_RenamedThenSigusr1_NextLinesLandInANewFileAtThePath()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var logPath = Path.Combine(_directory.FullName, "access.log");
        var rotatedPath = logPath + ".1";
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(
            proxyPort, adminPort, upstreams.All, edgeExtras: $$""" "AccessLog": { "Enabled": true, "Path": "{{logPath}}" }"""));
        using var client = edge.CreateClient();

        await GetAsync(client, "/before-rotation");
        await Eventually.WaitUntilAsync(() => Lines(logPath).Any(l => l.Contains("/before-rotation", StringComparison.Ordinal)), Deadline, "the first line in the log");

        // logrotate: rename the file, then tell the edge to reopen its path.
        File.Move(logPath, rotatedPath);
        edge.SendSignal(UnixSignal.SIGUSR1);
        await Eventually.WaitUntilAsync(() => File.Exists(logPath), Deadline, $"a new {logPath} after SIGUSR1");
        await GetAsync(client, "/after-rotation");
        await Eventually.WaitUntilAsync(() => Lines(logPath).Any(l => l.Contains("/after-rotation", StringComparison.Ordinal)), Deadline, "the next line in the new file");

        output.WriteLine($"rotated: {string.Join('\n', Lines(rotatedPath))}\nnew: {string.Join('\n', Lines(logPath))}");
        Assert.DoesNotContain(Lines(rotatedPath), l => l.Contains("/after-rotation", StringComparison.Ordinal));
        Assert.All(Lines(logPath), l => Assert.Equal("/after-rotation", JsonDocument.Parse(l).RootElement.GetProperty("path").GetString()));
        Assert.False(edge.Process.HasExited, "the edge exited on SIGUSR1");
        Assert.True(edge.Output.StderrContains("Access log reopened"), edge.Output.Stderr);
        Assert.Equal(0, PrometheusText.Sum(await edge.GetMetricsTextAsync(), "neuropilot_edge_access_log_dropped_total"));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static async Task GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
    }

    private static string[] Lines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }
}
