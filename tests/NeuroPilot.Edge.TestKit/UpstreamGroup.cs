namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>Several upstream processes started together, one per region, disposed together.</summary>
public sealed class UpstreamGroup : IDisposable
{
    private readonly UpstreamProcess[] _upstreams;

    private UpstreamGroup(UpstreamProcess[] upstreams) => _upstreams = upstreams;

    /// <summary>In the order the regions were given.</summary>
    public IReadOnlyList<UpstreamProcess> All => _upstreams;

    public UpstreamProcess this[string region] =>
        Array.Find(_upstreams, u => u.Region == region) ?? throw new KeyNotFoundException($"no upstream for region \"{region}\"");

    /// <summary>Starts one upstream per region name, all at once, each on a free port.</summary>
    public static async Task<UpstreamGroup> StartAsync(params string[] regions)
    {
        var starting = regions.Select(region => UpstreamProcess.StartAsync(region)).ToArray();
        try
        {
            return new UpstreamGroup(await Task.WhenAll(starting));
        }
        catch
        {
            foreach (var task in starting)
            {
                if (task.IsCompletedSuccessfully)
                {
                    task.Result.Dispose();
                }
            }

            throw;
        }
    }

    public void Dispose()
    {
        foreach (var upstream in _upstreams)
        {
            upstream.Dispose();
        }
    }
}
