using NeuroPilot.Edge.LoadTests.Cli;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Reports;
using NeuroPilot.Edge.LoadTests.Run;

namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>
/// The frame every drill (failover, spike) runs in: run it on its setup, print the report, write the report files
/// plus the drill's own, turn failures into exit codes, and always take the setup down (edge and upstreams).
/// </summary>
internal static class DrillExecution
{
    /// <param name="name">How the drill names itself on stderr (<c>drill failover</c>).</param>
    /// <param name="run">Starts the setup and runs the measured load; the report of the run.</param>
    /// <param name="extraFiles">Files the drill writes next to the standard reports (name and text), in the order they are listed.</param>
    public static async Task<int> ExecuteAsync<TSetup>(
        string name,
        LoadOptions options,
        TSetup setup,
        Func<TSetup, CancellationToken, Task<RunReport>> run,
        Func<TSetup, RunReport, IReadOnlyList<(string File, string Text)>> extraFiles,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
        where TSetup : IAsyncDisposable
    {
        try
        {
            var report = await run(setup, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteAsync(ReportWriter.Markdown(report)).ConfigureAwait(false);
            if (options.ReportDirectory is { } directory &&
                !await TryWriteReportsAsync(name, directory, report, extraFiles(setup, report), output, error).ConfigureAwait(false))
            {
                return ExitCodes.Failed;
            }

            return ExitCodes.Of(report);
        }
        catch (Exception e) when (e is DrillException or TargetUnreachableException)
        {
            await error.WriteLineAsync($"{name}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"{name}: interrupted while starting").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        finally
        {
            await setup.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Writes the reports and the drill's files into <paramref name="directory"/>; false (said on stderr) when it cannot.</summary>
    private static async Task<bool> TryWriteReportsAsync(
        string name, string directory, RunReport report, IReadOnlyList<(string File, string Text)> extraFiles, TextWriter output, TextWriter error)
    {
        try
        {
            ReportWriter.Write(directory, report);
            foreach (var (file, text) in extraFiles)
            {
                await File.WriteAllTextAsync(Path.Combine(directory, file), text, CancellationToken.None).ConfigureAwait(false);
            }

            var listed = string.Join(", ", extraFiles.Select(f => f.File).Prepend("latency.hgrm").Prepend("summary.md").Prepend("summary.json"));
            await output.WriteLineAsync($"\nreports: {Path.Combine(directory, ReportWriter.HtmlFile)} (and {listed})").ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{name}: cannot write the reports to {directory}: {e.Message}").ConfigureAwait(false);
            return false;
        }
    }
}
