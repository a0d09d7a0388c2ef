using System.CommandLine;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.Cli;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Reports;

namespace NeuroPilot.Edge.LoadTests.Run;

/// <summary><c>run</c>: one open-model run against one target, budgets, reports, exit code.</summary>
internal static class RunCommand
{
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(5);

    public static LoadCommand Create()
    {
        var command = new LoadCommand("run", HelpText.Run);
        var target = command.Text("--target", "URL", "http:// URL to request (plain HTTP/1.1, keep-alive)", required: true);
        var rate = command.Value("--rate", ValueParsers.Rate, "R", "requests per second, on a constant schedule", required: true);
        var duration = command.Value("--duration", ValueParsers.PositiveDuration, "D", "measured time (after the warm-up)", required: true);
        var title = command.Text("--title", "TEXT", "title of the reports (default \"Load test\")");
        command.SetAction((parseResult, output, error, cancellationToken) =>
        {
            var options = command.Load.Read(parseResult);
            return ExecuteAsync(
                options,
                options.Target("--target", parseResult.GetValue(target)!),
                parseResult.GetValue(rate)!.Value,
                parseResult.GetValue(duration)!.Value,
                parseResult.GetValue(title) ?? "Load test",
                output,
                error,
                cancellationToken);
        });
        return command;
    }

    private static async Task<int> ExecuteAsync(
        LoadOptions options, HttpTarget target, double rate, TimeSpan duration, string title, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var profile = options.Profile(rate, duration);
        options.PrepareReportDirectory();

        await output.WriteLineAsync($"run: {target.Method} {target.Url} at {DisplayFormat.Rate(rate)} for {DisplayFormat.Duration(duration)}" +
            (profile.Warmup > TimeSpan.Zero ? $" after a {DisplayFormat.Duration(profile.Warmup)} warm-up" : "") +
            $", {options.Connections} connections (ends within {DisplayFormat.Duration(profile.MaxWallTime)})").ConfigureAwait(false);

        RunResult result;
        Task? progress = null;
        try
        {
            result = await LoadRunner.RunAsync(target, profile, options.Connections, run => progress = PrintProgressAsync(run, error), cancellationToken).ConfigureAwait(false);
            await progress!.ConfigureAwait(false);
        }
        catch (TargetUnreachableException e)
        {
            await error.WriteLineAsync($"run: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var report = new RunReport
        {
            Command = "run",
            Title = title,
            Target = target.Url,
            Method = target.Method,
            BodySize = target.BodySize,
            Connections = options.Connections,
            Result = result,
            Budgets = BudgetEvaluator.Evaluate(options.Budgets, result),
        };

        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteAsync(ReportWriter.Markdown(report)).ConfigureAwait(false);
        if (options.ReportDirectory is { } directory)
        {
            try
            {
                ReportWriter.Write(directory, report);
                await output.WriteLineAsync($"\nreports: {Path.Combine(directory, ReportWriter.HtmlFile)} (and summary.json, summary.md, latency.hgrm)").ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"run: cannot write the reports to {directory}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        }

        return ExitCodes.Of(report);
    }

    /// <summary>One line every 5 s on stderr while the run goes (CI logs show it is alive and on rate).</summary>
    internal static async Task PrintProgressAsync(OpenModelRun run, TextWriter error)
    {
        while (true)
        {
            var done = await Task.WhenAny(run.Completion, Task.Delay(s_progressInterval, TimeProvider.System)).ConfigureAwait(false);
            if (done == run.Completion)
            {
                return;
            }

            var now = run.Progress;
            if (now.Elapsed > TimeSpan.Zero)
            {
                await error.WriteLineAsync(
                    $"  {now.Elapsed.TotalSeconds,5:0}s: sent {DisplayFormat.Count(now.Sent)} ({DisplayFormat.Rate(now.Sent / now.Elapsed.TotalSeconds)}), " +
                    $"succeeded {DisplayFormat.Count(now.Succeeded)}, failed {DisplayFormat.Count(now.Failed)}, late {DisplayFormat.Count(now.Late)}").ConfigureAwait(false);
            }
        }
    }
}
