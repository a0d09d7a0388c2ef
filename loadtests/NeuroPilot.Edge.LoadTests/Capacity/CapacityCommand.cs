using System.CommandLine;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.Cli;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Reports;
using NeuroPilot.Edge.LoadTests.Run;

namespace NeuroPilot.Edge.LoadTests.Capacity;

/// <summary>
/// <c>capacity</c>: open-model runs at rising rates (R0, R0+S, ...) until one breaches a budget; the capacity is
/// the highest rate before it. Each step is a full run with its own warm-up, so a step starts from a drained target.
/// </summary>
internal static class CapacityCommand
{
    public static readonly TimeSpan DefaultStepWarmup = TimeSpan.FromSeconds(1);
    public const int MaxSteps = 200;

    public static LoadCommand Create()
    {
        var command = new LoadCommand("capacity", HelpText.Capacity, new LoadOptions { Warmup = DefaultStepWarmup });
        var target = command.Text("--target", "URL", "http:// URL to request", required: true);
        var start = command.Value("--start", ValueParsers.Rate, "R0", """
            rates tried: R0, R0+S, R0+2S, ... up to RMAX; the ramp stops at the first step that
            breaches a budget or does not reach 98% of its rate
            """, required: true);
        var step = command.Value("--step", ValueParsers.Rate, "S", null, required: true);
        var max = command.Value("--max", ValueParsers.Rate, "RMAX", null, required: true);
        var stepDuration = command.Value("--step-duration", ValueParsers.PositiveDuration, "D",
            "measured time of each step (each also gets --warmup, default 1s here)", required: true);
        var require = command.Value("--require", ValueParsers.Rate, "R", "exit 99 unless the capacity found is at least R req/s");
        var processIds = command.Parsed("--pid", ValueParsers.ProcessIds, "PID[,PID...]", """
            the processes whose CPU is the target's cost, summed; by default, every process
            that holds the socket listening on the target's port
            """);
        command.SetAction((parseResult, output, error, cancellationToken) =>
        {
            var options = command.Load.Read(parseResult);
            var ramp = new Ramp(
                options.Target("--target", parseResult.GetValue(target)!),
                parseResult.GetValue(start)!.Value,
                parseResult.GetValue(step)!.Value,
                parseResult.GetValue(max)!.Value,
                parseResult.GetValue(stepDuration)!.Value,
                parseResult.GetValue(require),
                parseResult.GetValue(processIds));
            return ExecuteAsync(options, ramp, output, error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> ExecuteAsync(LoadOptions options, Ramp ramp, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var (target, start, step, max, stepDuration, required, processIds) = ramp;
        if (max < start)
        {
            throw new UsageException($"capacity: --max {max} is below --start {start}");
        }

        var steps = (int)Math.Floor(((max - start) / step) + 1e-9) + 1;
        if (steps > MaxSteps)
        {
            throw new UsageException($"capacity: {steps} steps from {start} to {max} by {step}; at most {MaxSteps} (use a larger --step)");
        }

        if (options.Budgets.Count == 0)
        {
            throw new UsageException($"capacity: give at least one --budget (like p99=5ms); known figures: {BudgetFigure.KnownNames}");
        }

        options.PrepareReportDirectory();
        var profile = options.Profile(start, stepDuration);
        await output.WriteLineAsync(
            $"capacity: {target.Method} {target.Url}, {steps} steps from {DisplayFormat.Rate(start)} to {DisplayFormat.Rate(start + ((steps - 1) * step))}, " +
            $"{DisplayFormat.Duration(stepDuration)} each (+{DisplayFormat.Duration(options.Warmup)} warm-up), budgets {string.Join(" ", options.Budgets.Select(b => b.Text))}").ConfigureAwait(false);

        var processes = await TargetProcessLookup.FindAsync(target, processIds, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"capacity: CPU of the target: {processes.Describe()}").ConfigureAwait(false);
        var results = new List<CapacityStep>();
        var startedAt = DateTimeOffset.UtcNow;
        for (var i = 0; i < steps; i++)
        {
            var rate = start + (i * step);
            RunResult result;
            try
            {
                result = await LoadRunner.RunAsync(
                    target, profile with { Rate = rate }, options.Connections, null, cancellationToken, targetProcesses: processes).ConfigureAwait(false);
            }
            catch (TargetUnreachableException e)
            {
                await error.WriteLineAsync($"capacity: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            var current = new CapacityStep(rate, result, BudgetEvaluator.Evaluate(options.Budgets, result));
            results.Add(current);
            var s = result.LatencySummary;
            await output.WriteLineAsync(
                $"  {DisplayFormat.Rate(rate),16}: sent {DisplayFormat.Rate(result.RateAchieved),-16} p50 {DisplayFormat.Milliseconds(s.P50),-10} p99 {DisplayFormat.Milliseconds(s.P99),-10} " +
                $"errors {DisplayFormat.Percent(result.ErrorRate),-6} cpu {DisplayFormat.CpuPerRequest(result.TargetCpu) + "/req",-12} {(current.Passed ? "ok" : "BREACHED: " + current.Why())}").ConfigureAwait(false);
            if (!current.Passed)
            {
                break;
            }
        }

        var capacity = new CapacityResult
        {
            Target = target.Url,
            Method = target.Method,
            Connections = options.Connections,
            BudgetsGiven = options.Budgets,
            Steps = results,
            MaxRate = max,
            Required = required,
            StartedAt = startedAt,
            Processes = processes,
        };

        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteAsync(CapacityReport.Markdown(capacity)).ConfigureAwait(false);
        if (options.ReportDirectory is { } directory)
        {
            CapacityReport.Write(directory, capacity);
            await output.WriteLineAsync($"\nreports: {Path.Combine(directory, CapacityReport.HtmlFile)} (and capacity.json, capacity.md)").ConfigureAwait(false);
        }

        if (results.Any(r => r.Result.Interrupted))
        {
            return ExitCodes.Interrupted;
        }

        return capacity.Passed ? ExitCodes.Ok : ExitCodes.BudgetBreached;
    }

    /// <summary>The rates a ramp tries, against one target.</summary>
    private sealed record Ramp(HttpTarget Target, double Start, double Step, double Max, TimeSpan StepDuration, double? Required, IReadOnlyList<int>? ProcessIds);
}
