using System.CommandLine;
using System.Globalization;
using System.Net;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.Cli;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Platform;
using NeuroPilot.Edge.LoadTests.Reports;
using NeuroPilot.Edge.LoadTests.Run;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// <c>drill spike</c>: starts the upstreams and the edge (with the limits given, or none), offers a baseline rate,
/// then <c>--spike-factor</c> times it, then the baseline again, all on one open-model schedule, and reports per phase
/// what was served, shed and failed, the latency of admitted requests, the edge's memory and CPU, its own shed
/// counters, and how long it took to recover after the spike. Every process it started is stopped at the end, by pid.
/// </summary>
internal static class SpikeCommand
{
    public const string Name = "drill spike";

    /// <summary>More than the failover drill's 64: a spike needs connections to carry the extra concurrency.</summary>
    public const int DefaultConnections = 256;

    public const double DefaultRate = 500;
    public const double DefaultFactor = 10;
    public static readonly TimeSpan DefaultPhase = TimeSpan.FromSeconds(4);

    /// <summary>The admitted p99 a window must be within to count as recovered, without a p99-admitted budget or --recovery-p99: the budget README's capacity figures use.</summary>
    public static readonly TimeSpan DefaultRecoveryP99 = TimeSpan.FromMilliseconds(5);

    public static LoadCommand Create()
    {
        var command = new LoadCommand(Name, HelpText.DrillSpike, new LoadOptions { Connections = DefaultConnections }, BudgetFigure.Spike);
        var spike = new SpikeOptions(command);
        command.SetAction((parseResult, output, error, cancellationToken) =>
        {
            var options = command.Load.Read(parseResult);
            return ExecuteAsync(options, spike.Read(parseResult, options), output, error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> ExecuteAsync(LoadOptions options, SpikePlan plan, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var phases = plan.Phases;
        var total = phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);
        var meanRate = phases.Sum(p => p.Rate * p.Duration.TotalSeconds) / total.TotalSeconds;
        var profile = options.Profile(meanRate, total) with { Phases = phases };
        options.PrepareReportDirectory();

        await output.WriteLineAsync($"{Name}: {DisplayFormat.Phases(phases)}, through {plan.Edge}; {options.Connections} connections" +
            (plan.Clients > 1 ? $" from {plan.Clients} clients (127.0.0.1-127.0.0.{plan.Clients})" : "") +
            $"; limits {(plan.Limits.Enabled ? "on" : "off")} (ends within {DisplayFormat.Duration(profile.MaxWallTime)} of the start)").ConfigureAwait(false);

        var setup = new SpikeSetup(plan.Edge, Directory.CreateTempSubdirectory("neuropilot-spike-").FullName);
        return await DrillExecution.ExecuteAsync(
            Name,
            options,
            setup,
            async (setup, token) =>
            {
                await setup.StartAsync(plan.Upstreams, plan.Limits, plan.Extra, output, token).ConfigureAwait(false);
                return await RunAsync(setup, options, plan, profile, output, error, token).ConfigureAwait(false);
            },
            (setup, report) =>
            [
                ("latency-admitted.hgrm", ReportWriter.PercentileDistribution(report.Spike!.AdmittedLatency)),
                ("edge.json", setup.Config),
                ("edge.log", setup.EdgeOutput()),
            ],
            output,
            error,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The measured run through the started edge: load, the phase script and the resource sampler side by side.</summary>
    private static async Task<RunReport> RunAsync(
        SpikeSetup setup, LoadOptions options, SpikePlan plan, LoadProfile profile, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var phases = plan.Phases;
        var limitsJson = SpikeEdgeConfig.LimitsOf(setup.Config)?.ToJsonString();
        await output.WriteLineAsync($"  limits: {limitsJson ?? "none (no Limits section)"}").ConfigureAwait(false);

        var target = options.Target("--path", $"http://127.0.0.1:{setup.EdgePort.ToString(CultureInfo.InvariantCulture)}{plan.Path}")
            .WithResponseTag("Retry-After", []);
        IReadOnlyList<IPAddress>? sources = plan.Clients > 1
            ? [.. Enumerable.Range(1, plan.Clients).Select(i => new IPAddress([127, 0, 0, (byte)i]))]
            : null;
        var trace = new ResponseTrace();
        using var client = ReadinessProbe.NewClient();
        var scrapes = new IReadOnlyDictionary<string, double>?[phases.Length + 1];
        scrapes[0] = await ShedCounters.ScrapeAsync(client, setup.MetricsUrl, SpikeEdgeConfig.Service, cancellationToken).ConfigureAwait(false);

        var sampler = new ResourceSampler();
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampling = sampler.RunAsync(setup.EdgeProcessId, stopSampling.Token);
        var loadBefore = MachineLoad.LoadAverage();
        using var stopScript = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var script = new PhaseScript(phases, scrapes, client, setup.MetricsUrl, output);
        Task? progress = null;
        Task? scripted = null;
        RunResult result;
        try
        {
            result = await LoadRunner.RunAsync(target, profile, options.Connections, run =>
            {
                progress = RunCommand.PrintProgressAsync(run, error);
                scripted = script.RunAsync(run, stopScript.Token);
            }, cancellationToken, trace, sources).ConfigureAwait(false);
        }
        finally
        {
            await stopScript.CancelAsync().ConfigureAwait(false);
            if (progress is not null)
            {
                await progress.ConfigureAwait(false);
            }

            if (scripted is not null)
            {
                await scripted.ConfigureAwait(false);
            }
        }

        scrapes[^1] = await ShedCounters.ScrapeAsync(client, setup.MetricsUrl, SpikeEdgeConfig.Service, CancellationToken.None).ConfigureAwait(false);
        await stopSampling.CancelAsync().ConfigureAwait(false);
        await sampling.ConfigureAwait(false);

        var spike = SpikeAnalysis.Analyze(result, trace.Snapshot(), sampler.Samples, scrapes, plan.RecoveryP99Ms) with
        {
            LimitsEnabled = plan.Limits.Enabled,
            LimitsJson = limitsJson,
            SpikeFactor = plan.Factor,
            Clients = plan.Clients,
            Upstreams = plan.Upstreams,
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = MachineLoad.LoadAverage(),
        };
        return Report(options, plan.Title, target, result, spike);
    }

    private static RunReport Report(LoadOptions options, string title, HttpTarget target, RunResult result, SpikeSummary spike) => new()
    {
        Command = "drill",
        Title = title,
        Target = target.Url,
        Method = target.Method,
        BodySize = target.BodySize,
        Connections = options.Connections,
        Result = result,
        Budgets = BudgetEvaluator.Evaluate(options.Budgets, result, figure => figure.Name switch
        {
            "p99-admitted" => spike.P99AdmittedMs,
            "recovery-time" => spike.RecoveryTimeMs,
            "rss" => spike.RssBudgetBytes,
            "failed" => spike.FailedShare,
            "shed-baseline" => spike.ShedBaselineShare,
            _ => null,
        }),
        Spike = spike,
    };

    /// <summary>Marks each phase as it begins and reads the edge's shed counters as each ends (but the last: after the run).</summary>
    private sealed class PhaseScript(
        IReadOnlyList<RatePhase> phases,
        IReadOnlyDictionary<string, double>?[] scrapes,
        HttpClient client,
        Uri metricsUrl,
        TextWriter output)
    {
        public async Task RunAsync(OpenModelRun run, CancellationToken cancellationToken)
        {
            try
            {
                var at = TimeSpan.Zero;
                for (var k = 0; k < phases.Count; k++)
                {
                    if (k > 0)
                    {
                        await Drill.DrillCommand.WaitUntilAsync(run, at, cancellationToken).ConfigureAwait(false);
                        run.Mark($"{phases[k].Name}: {DisplayFormat.Rate(phases[k].Rate)}");
                        scrapes[k] = await ShedCounters.ScrapeAsync(client, metricsUrl, SpikeEdgeConfig.Service, cancellationToken).ConfigureAwait(false);
                        await output.WriteLineAsync($"  {run.Elapsed.TotalSeconds,5:0.0}s: {phases[k].Name}: {DisplayFormat.Rate(phases[k].Rate)}").ConfigureAwait(false);
                    }

                    at += phases[k].Duration;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The run ended (or was interrupted) first.
            }
        }
    }
}
