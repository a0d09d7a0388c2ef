using System.Net;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// One edge for the whole hostile-client corpus: the README's minimal config, three real upstream processes
/// (us-east, eu-west, ap-south) recording what reaches them, and the table of outcomes so far.
/// </summary>
public sealed class HostileClientFixture : IAsyncLifetime
{
    public const string Primary = "us-east";

    /// <summary>
    /// How many requests each upstream remembers: more than the whole corpus sends (about 450 reach us-east, the
    /// slow cases' window spans them all), probes included.
    /// </summary>
    private const int Recorded = 4096;

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);

    private readonly List<string> _rows = [];
    private readonly Dictionary<string, Task> _background = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();

    public UpstreamGroup Upstreams { get; private set; } = null!;

    public EdgeProcess Edge { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstreams = await UpstreamGroup.StartAsync(Primary, "eu-west", "ap-south");
        foreach (var upstream in Upstreams.All)
        {
            await upstream.RecordAsync(Recorded);
        }

        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        Edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, Upstreams.All));

        // The baseline: every destination probed up, every breaker closed, the primary serving.
        await Eventually.WaitUntilAsync(
            async () => (await ReadHealthProblemsAsync()).Count == 0 && await EveryDestinationProbedUpAsync(),
            StartDeadline,
            "every destination is probed up and the edge is healthy");
    }

    /// <summary>
    /// Every upstream's count, read now, with the requests it recorded since <paramref name="since"/> (a reading of
    /// the same upstreams; none when null).
    /// </summary>
    public async Task<IReadOnlyList<UpstreamStats>> ReadUpstreamsAsync(IReadOnlyList<UpstreamStats>? since = null) =>
        await Task.WhenAll(Upstreams.All.Select((upstream, i) => upstream.GetStatsAsync(since?[i].Requests ?? long.MaxValue)));

    /// <summary>
    /// What is wrong with the edge's health now, if anything: a breaker not closed (status and metrics), a
    /// serving region other than the primary, <c>/readyz</c> not 200, a destination not available.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReadHealthProblemsAsync()
    {
        var problems = new List<string>();
        var status = await Edge.GetStatusJsonAsync();
        var service = status.GetProperty("services")[0];
        var serving = service.GetProperty("serving_region").GetString();
        if (serving != Primary)
        {
            problems.Add($"serving region is {serving ?? "none"}, not {Primary}");
        }

        foreach (var region in service.GetProperty("regions").EnumerateArray())
        {
            foreach (var destination in region.GetProperty("destinations").EnumerateArray())
            {
                var breaker = destination.GetProperty("breaker").GetString();
                if (breaker != "closed" || !destination.GetProperty("available").GetBoolean())
                {
                    problems.Add($"{region.GetProperty("name").GetString()} {destination.GetProperty("address").GetString()}: " +
                        $"breaker {breaker}, available {destination.GetProperty("available").GetBoolean()}");
                }
            }
        }

        using var ready = await Edge.SendAdminAsync(new HttpRequestMessage(HttpMethod.Get, "/readyz"));
        if (ready.StatusCode != HttpStatusCode.OK)
        {
            problems.Add($"/readyz answered {(int)ready.StatusCode}");
        }

        var metrics = await Edge.GetMetricsTextAsync();
        var circuits = PrometheusText.Sum(metrics, "neuropilot_edge_circuit_state");
        if (circuits != 0)
        {
            problems.Add($"sum of neuropilot_edge_circuit_state is {circuits?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "absent"}, not 0");
        }

        var opened = PrometheusText.Sum(metrics, "neuropilot_edge_circuit_opened_total") ?? 0;
        if (opened != 0)
        {
            problems.Add($"neuropilot_edge_circuit_opened_total is {opened}");
        }

        return problems;
    }

    /// <summary>Retries the edge has made so far (<c>neuropilot_edge_retries_total</c>, every reason).</summary>
    public async Task<double> ReadRetriesAsync() =>
        PrometheusText.Sum(await Edge.GetMetricsTextAsync(), "neuropilot_edge_retries_total") ?? 0;

    /// <summary>Adds a row to the table and returns the whole table so far.</summary>
    public string AddRow(string row)
    {
        lock (_gate)
        {
            _rows.Add(row);
            return string.Join('\n', _rows);
        }
    }

    /// <summary>
    /// Starts <paramref name="run"/> the first time <paramref name="key"/> is asked for and returns that same task
    /// every time: for cases that take long to end (a header timeout), run beside the others instead of after them.
    /// The token fires when the fixture is disposed (a filtered run may never await the task).
    /// </summary>
    public Task<T> StartOnce<T>(string key, Func<CancellationToken, Task<T>> run)
    {
        lock (_gate)
        {
            if (!_background.TryGetValue(key, out var task))
            {
                task = run(_stopping.Token);
                _background.Add(key, task);
            }

            return (Task<T>)task;
        }
    }

    public async Task DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task[] background;
        lock (_gate)
        {
            background = [.. _background.Values];
        }

        try
        {
            await Task.WhenAll(background);
        }
        catch (Exception)
        {
            // A case nobody awaited (a filtered run): its outcome no longer matters.
        }

        _stopping.Dispose();
        Edge?.Dispose();
        Upstreams?.Dispose();
    }

    private async Task<bool> EveryDestinationProbedUpAsync()
    {
        var status = await Edge.GetStatusJsonAsync();
        return status.GetProperty("services")[0].GetProperty("regions").EnumerateArray()
            .SelectMany(region => region.GetProperty("destinations").EnumerateArray())
            .All(destination => destination.GetProperty("health").GetString() == "up");
    }
}
