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
}
