using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Run;

namespace NeuroPilot.Edge.LoadTests.Tests.TestKit;

/// <summary>Runs the open-model engine directly (no command line) against a URL.</summary>
public static class Load
{
    internal static async Task<RunResult> RunAsync(string url, LoadProfile profile, int connections, Action<OpenModelRun>? onStarted = null)
    {
        var target = HttpTarget.Create(url, "GET", [], 0);
        using var timeout = new CancellationTokenSource(profile.MaxWallTime + TimeSpan.FromSeconds(30));
        return await LoadRunner.RunAsync(target, profile, connections, onStarted, timeout.Token);
    }

    /// <summary>A run that keeps every outcome in <paramref name="trace"/>, optionally tagging responses by a header, from given source addresses.</summary>
    internal static async Task<RunResult> RunAsync(
        string url,
        LoadProfile profile,
        int connections,
        ResponseTrace trace,
        string? tagHeader = null,
        IReadOnlyList<System.Net.IPAddress>? sourceAddresses = null)
    {
        var target = HttpTarget.Create(url, "GET", [], 0);
        if (tagHeader is not null)
        {
            target = target.WithResponseTag(tagHeader, []);
        }

        using var timeout = new CancellationTokenSource(profile.MaxWallTime + TimeSpan.FromSeconds(30));
        return await LoadRunner.RunAsync(target, profile, connections, null, timeout.Token, trace, sourceAddresses);
    }
}
