using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Reports;

/// <summary>One short run with reports, shared by the report tests (one run instead of one per test).</summary>
public sealed class RunReportFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();

    public string Directory => _directory.Combine("report");

    public CommandResult Result { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using var server = await LoopbackServer.StartAsync();
        Result = await CommandLine.RunAsync("run", "--target", server.Url("/"), "--rate", "300", "--duration", "2s",
            "--warmup", "200ms", "--connections", "8", "--budget", "p99=2s", "--budget", "error-rate=1%", "--budget", "p50=1us",
            "--title", "Report test", "--report", Directory);
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }

    public string Read(string file) => File.ReadAllText(Path.Combine(Directory, file));
}
