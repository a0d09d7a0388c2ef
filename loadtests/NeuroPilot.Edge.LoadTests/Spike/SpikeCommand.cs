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

    private static readonly string[] s_valueOptions =
    [
        .. LoadOptions.ValueOptionNames, "--edge", "--rate", "--spike-factor", "--baseline", "--spike", "--after", "--limits",
        "--max-in-flight", "--max-queue", "--queue-timeout", "--max-body-size", "--rate-limit", "--rate-limit-per",
        "--rate-limit-burst", "--max-connections", "--config-extra", "--clients", "--upstreams", "--path", "--recovery-p99", "--title",
    ];

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var reader = ArgumentReader.Parse(Name, args, s_valueOptions, []);
        var options = LoadOptions.Read(reader, BudgetFigure.Spike);
        if (reader.Optional("--connections") is null)
        {
            options = options with { Connections = DefaultConnections };
        }

        var edge = reader.Required("--edge");
        if (!File.Exists(edge))
        {
            throw new UsageException($"{Name}: --edge {edge}: no such file (the neuropilot-edge binary)");
        }

        edge = Path.GetFullPath(edge);
        var rate = reader.Optional("--rate", ValueParsers.Rate) ?? DefaultRate;
        var factor = reader.Optional("--spike-factor", ValueParsers.Factor) ?? DefaultFactor;
        if (rate * factor > LoadProfileDefaults.MaxRate)
        {
            throw new UsageException($"{Name}: --rate {DisplayFormat.Invariant(rate)} x --spike-factor {DisplayFormat.Invariant(factor)} is more than {LoadProfileDefaults.MaxRate:0} req/s");
        }

        var phases = new RatePhase[]
        {
            new("baseline", rate, reader.Optional("--baseline", ValueParsers.PositiveDuration) ?? DefaultPhase),
            new(SpikeAnalysis.SpikePhase, rate * factor, reader.Optional("--spike", ValueParsers.PositiveDuration) ?? DefaultPhase),
            new("after", rate, reader.Optional("--after", ValueParsers.PositiveDuration) ?? DefaultPhase),
        };
        var limits = ReadLimits(reader);
        var extra = reader.Optional("--config-extra") is { } extraText ? reader.Convert("--config-extra", extraText, SpikeEdgeConfig.ParseExtra) : null;
        var clients = reader.Optional("--clients", t => ValueParsers.Count(t, 1, 250)) ?? 1;
        var upstreams = reader.Optional("--upstreams", t => ValueParsers.Count(t, 1, 8)) ?? 1;
        if (options.Connections < clients)
        {
            throw new UsageException($"{Name}: --connections {options.Connections} is fewer than --clients {clients} (each client needs a connection)");
        }

        var path = reader.Optional("--path") ?? "/";
        if (!path.StartsWith('/'))
        {
            throw new UsageException($"{Name}: --path {path}: must start with /");
        }

        // The request (method, headers, body) is checked now: a usage error must come before any process starts.
        _ = options.Target("--path", $"http://127.0.0.1:1{path}");

        var recoveryP99 = reader.Optional("--recovery-p99", ValueParsers.PositiveDuration)?.TotalMilliseconds
            ?? options.Budgets.FirstOrDefault(b => b.Figure.Name == "p99-admitted")?.Limit
            ?? DefaultRecoveryP99.TotalMilliseconds;
        var title = reader.Optional("--title") ?? $"Spike drill: x{DisplayFormat.Invariant(factor)} for {DisplayFormat.Duration(phases[1].Duration)}, limits {(limits.Enabled ? "on" : "off")}";

        var total = phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);
        var meanRate = phases.Sum(p => p.Rate * p.Duration.TotalSeconds) / total.TotalSeconds;
        var profile = options.Profile(meanRate, total) with { Phases = phases };
        options.PrepareReportDirectory();

        await output.WriteLineAsync($"{Name}: {DisplayFormat.Phases(phases)}, through {edge}; {options.Connections} connections" +
            (clients > 1 ? $" from {clients} clients (127.0.0.1-127.0.0.{clients})" : "") +
            $"; limits {(limits.Enabled ? "on" : "off")} (ends within {DisplayFormat.Duration(profile.MaxWallTime)} of the start)").ConfigureAwait(false);

        var setup = new SpikeSetup(edge, Directory.CreateTempSubdirectory("neuropilot-spike-").FullName);
        try
        {
            await setup.StartAsync(upstreams, limits, extra, output, cancellationToken).ConfigureAwait(false);
            var limitsJson = SpikeEdgeConfig.LimitsOf(setup.Config)?.ToJsonString();
            await output.WriteLineAsync($"  limits: {limitsJson ?? "none (no Limits section)"}").ConfigureAwait(false);

            var target = options.Target("--path", $"http://127.0.0.1:{setup.EdgePort.ToString(CultureInfo.InvariantCulture)}{path}")
                .WithResponseTag("Retry-After", []);
            IReadOnlyList<IPAddress>? sources = clients > 1
                ? [.. Enumerable.Range(1, clients).Select(i => new IPAddress([127, 0, 0, (byte)i]))]
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

            var spike = SpikeAnalysis.Analyze(result, trace.Snapshot(), sampler.Samples, scrapes, recoveryP99) with
            {
                LimitsEnabled = limits.Enabled,
                LimitsJson = limitsJson,
                SpikeFactor = factor,
                Clients = clients,
                Upstreams = upstreams,
                LoadAverageBefore = loadBefore,
                LoadAverageAfter = MachineLoad.LoadAverage(),
            };
            var report = new RunReport
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

            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteAsync(ReportWriter.Markdown(report)).ConfigureAwait(false);
            if (options.ReportDirectory is { } directory)
            {
                try
                {
                    ReportWriter.Write(directory, report);
                    await File.WriteAllTextAsync(Path.Combine(directory, "latency-admitted.hgrm"), ReportWriter.PercentileDistribution(spike.AdmittedLatency), CancellationToken.None).ConfigureAwait(false);
                    await File.WriteAllTextAsync(Path.Combine(directory, "edge.json"), setup.Config, CancellationToken.None).ConfigureAwait(false);
                    await File.WriteAllTextAsync(Path.Combine(directory, "edge.log"), setup.EdgeOutput(), CancellationToken.None).ConfigureAwait(false);
                    await output.WriteLineAsync($"\nreports: {Path.Combine(directory, ReportWriter.HtmlFile)} (and summary.json, summary.md, latency.hgrm, latency-admitted.hgrm, edge.json, edge.log)").ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await error.WriteLineAsync($"{Name}: cannot write the reports to {directory}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.Failed;
                }
            }

            return result.Interrupted ? ExitCodes.Interrupted : report.Passed ? ExitCodes.Ok : ExitCodes.BudgetBreached;
        }
        catch (Exception e) when (e is DrillException or TargetUnreachableException)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"{Name}: interrupted while starting").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        finally
        {
            await setup.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static SpikeLimits ReadLimits(ArgumentReader reader)
    {
        var enabled = reader.Optional("--limits") switch
        {
            null or "on" => true,
            "off" => false,
            var other => throw new UsageException($"{Name}: --limits {other}: use on or off"),
        };

        var limits = new SpikeLimits
        {
            Enabled = enabled,
            MaxInFlight = reader.Optional("--max-in-flight", t => ValueParsers.Count(t, 1, 1_000_000)),
            MaxQueue = reader.Optional("--max-queue", t => ValueParsers.Count(t, 0, 1_000_000)),
            QueueTimeout = reader.Optional("--queue-timeout", ValueParsers.PositiveDuration),
            MaxRequestBodySize = reader.Optional("--max-body-size", t => (long)ValueParsers.Bytes(t)),
            RateLimitPerClient = reader.Optional("--rate-limit", t => ValueParsers.Count(t, 1, 10_000_000)),
            RateLimitPer = reader.Optional("--rate-limit-per", ValueParsers.PositiveDuration),
            RateLimitBurst = reader.Optional("--rate-limit-burst", t => ValueParsers.Count(t, 1, 10_000_000)),
            MaxConnections = reader.Optional("--max-connections", t => ValueParsers.Count(t, 1, 10_000_000)),
        };

        if (limits.RateLimitPerClient is null && (limits.RateLimitPer is not null || limits.RateLimitBurst is not null))
        {
            throw new UsageException($"{Name}: --rate-limit-per and --rate-limit-burst need --rate-limit N (requests per client)");
        }

        return limits;
    }

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
                        await WaitUntilAsync(run, at, cancellationToken).ConfigureAwait(false);
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

        private static async Task WaitUntilAsync(OpenModelRun run, TimeSpan at, CancellationToken cancellationToken)
        {
            // Bounded: the run's own end cancels the token; the measured window only moves forward.
            while (true)
            {
                var left = at - run.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    return;
                }

                await Task.Delay(left > TimeSpan.FromMilliseconds(20) ? left - TimeSpan.FromMilliseconds(10) : TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
