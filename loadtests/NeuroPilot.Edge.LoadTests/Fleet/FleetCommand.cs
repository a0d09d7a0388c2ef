using System.Diagnostics;
using System.Globalization;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.Cli;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Reports;
using NeuroPilot.Edge.LoadTests.Run;

namespace NeuroPilot.Edge.LoadTests.Fleet;

/// <summary>
/// <c>drill fleet</c>: three edges in one fleet over a real 3-member etcd, pushing DNS to the Cloudflare emulator, under
/// open-model load spread over the live edges; kills the DNS leader, cuts the next leader off etcd, fails the primary
/// region for every edge, and reports the leader hand-overs, the DNS change, duplicate writes and failed requests.
/// Every process it started is stopped at the end, by pid, whatever happened.
/// </summary>
internal static class FleetCommand
{
    public const string Name = "drill fleet";

    public static LoadCommand Create()
    {
        var command = new LoadCommand(Name, HelpText.DrillFleet, extraBudgetFigures: BudgetFigure.Fleet);
        var edge = command.Text("--edge", "PATH", EdgeBinaryOption.Description, required: true);
        var rate = command.Value("--rate", ValueParsers.Rate, "R", "requests per second over all live edges (default 300)");
        var duration = command.Value("--duration", ValueParsers.PositiveDuration, "D", "measured time (default 24s)");
        var killAt = command.Value("--kill-at", ValueParsers.PositiveDuration, "T", "when the DNS leader is SIGKILLed (default 4s)");
        var partitionAt = command.Value("--partition-at", ValueParsers.PositiveDuration, "T",
            "when the edge leading then is cut off etcd (default 10s); at least --lease-ttl + 1s after --kill-at");
        var failAt = command.Value("--fail-at", ValueParsers.PositiveDuration, "T",
            "when the primary region (us-east) fails for every edge (default 16s); --fail-at + --down-hold + 2s <= --duration");
        var leaseTtl = command.Value("--lease-ttl", ValueParsers.PositiveDuration, "T", "the fleet's Fleet.LeaseTtl, whole seconds, 2s to 60s (default 2s)");
        var downHold = command.Value("--down-hold", ValueParsers.PositiveDuration, "T", "the edges' Dns.DownHoldTime (default 2s)");
        var path = command.Text("--path", "P", "request path (default /)");
        var title = command.Text("--title", "TEXT", "title of the reports");
        command.SetAction((parseResult, output, error, cancellationToken) =>
        {
            var options = command.Load.Read(parseResult);
            var defaults = new FleetPlan { Edge = "" };
            var plan = new FleetPlan
            {
                Edge = EdgeBinaryOption.Read(Name, parseResult.GetValue(edge)!),
                Rate = parseResult.GetValue(rate) ?? defaults.Rate,
                Duration = parseResult.GetValue(duration) ?? defaults.Duration,
                KillAt = parseResult.GetValue(killAt) ?? defaults.KillAt,
                PartitionAt = parseResult.GetValue(partitionAt) ?? defaults.PartitionAt,
                FailAt = parseResult.GetValue(failAt) ?? defaults.FailAt,
                LeaseTtl = parseResult.GetValue(leaseTtl) ?? defaults.LeaseTtl,
                DownHold = parseResult.GetValue(downHold) ?? defaults.DownHold,
                Path = parseResult.GetValue(path) ?? defaults.Path,
                Title = parseResult.GetValue(title),
            };
            Check(plan);
            return ExecuteAsync(WithDefaultBudgets(options), plan, output, error, cancellationToken);
        });
        return command;
    }

    /// <summary>failed=0 and duplicate-writes=0 hold unless the command line sets those budgets itself.</summary>
    internal static LoadOptions WithDefaultBudgets(LoadOptions options)
    {
        var budgets = options.Budgets.ToList();
        foreach (var name in new[] { "failed", "duplicate-writes" })
        {
            if (!budgets.Any(b => b.Figure.Name == name))
            {
                budgets.Add(new Budget(BudgetFigure.Find(name, BudgetFigure.Fleet)!, 0, $"{name}=0"));
            }
        }

        return options with { Budgets = budgets };
    }

    private static void Check(FleetPlan plan)
    {
        static string D(TimeSpan span) => DisplayFormat.Duration(span);
        if (!(plan.KillAt < plan.PartitionAt && plan.PartitionAt < plan.FailAt && plan.FailAt < plan.Duration))
        {
            throw new UsageException($"{Name}: need --kill-at < --partition-at < --fail-at < --duration (got {D(plan.KillAt)}, {D(plan.PartitionAt)}, {D(plan.FailAt)}, {D(plan.Duration)})");
        }

        if (plan.LeaseTtl.Ticks % TimeSpan.TicksPerSecond != 0 || plan.LeaseTtl < TimeSpan.FromSeconds(2) || plan.LeaseTtl > TimeSpan.FromSeconds(60))
        {
            throw new UsageException($"{Name}: --lease-ttl {D(plan.LeaseTtl)}: must be whole seconds from 2s to 60s (the edge's Fleet.LeaseTtl)");
        }

        if (plan.PartitionAt - plan.KillAt < plan.LeaseTtl + TimeSpan.FromSeconds(1))
        {
            throw new UsageException($"{Name}: --partition-at must come at least --lease-ttl + 1s after --kill-at, so that a new leader can be there to cut off");
        }

        if (plan.FailAt + plan.DownHold + TimeSpan.FromSeconds(2) > plan.Duration)
        {
            throw new UsageException($"{Name}: need --fail-at + --down-hold + 2s <= --duration, so that the DNS change falls in the run");
        }

        if (!plan.Path.StartsWith('/'))
        {
            throw new UsageException($"{Name}: --path {plan.Path}: must start with /");
        }
    }

    private static async Task<int> ExecuteAsync(LoadOptions options, FleetPlan plan, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var profile = options.Profile(plan.Rate, plan.Duration);
        options.PrepareReportDirectory();
        await output.WriteLineAsync($"{Name}: 3 edges, 3 etcd members; kill the DNS leader at {DisplayFormat.Duration(plan.KillAt)}, " +
            $"cut the next leader off etcd at {DisplayFormat.Duration(plan.PartitionAt)}, fail us-east at {DisplayFormat.Duration(plan.FailAt)}; " +
            $"GET at {DisplayFormat.Rate(plan.Rate)} for {DisplayFormat.Duration(plan.Duration)} spread over the live edges " +
            $"(lease TTL {DisplayFormat.Duration(plan.LeaseTtl)}, down hold {DisplayFormat.Duration(plan.DownHold)})").ConfigureAwait(false);

        var setup = new FleetSetup(plan.Edge, Directory.CreateTempSubdirectory("neuropilot-fleet-").FullName, plan);
        return await DrillExecution.ExecuteAsync(
            Name,
            options,
            setup,
            async (setup, token) =>
            {
                await setup.StartAsync(output, token).ConfigureAwait(false);
                return await RunAsync(setup, options, plan, profile, output, error, token).ConfigureAwait(false);
            },
            (setup, _) => [.. FleetSetup.EdgeIds.Select((id, e) => ($"{id}.log", setup.EdgeOutput(e)))],
            output,
            error,
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<RunReport> RunAsync(
        FleetSetup setup, LoadOptions options, FleetPlan plan, LoadProfile profile, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var watch = new FleetWatch(setup);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watching = watch.RunAsync(stopWatching.Token);
        var first = await setup.WaitUntilSettledAsync(watch, cancellationToken).ConfigureAwait(false);
        var settled = Stopwatch.GetTimestamp();
        var settledAt = DateTimeOffset.UtcNow;
        await output.WriteLineAsync($"  settled: {FleetSetup.EdgeIds[first]} leads, DNS {FleetSetup.Record} A {FleetWatch.Published(setup.Cloudflare!)}").ConfigureAwait(false);

        var targets = setup.EdgePorts.Select(port => options.Target("--path", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{plan.Path}")
            .WithResponseTag(DrillCommand.RegionHeader, FleetSetup.Regions)).ToList();
        var script = new FleetScript(setup, watch, plan, output);
        using var stopScript = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? progress = null;
        Task? scripted = null;
        RunResult result;
        try
        {
            result = await LoadRunner.RunSpreadAsync(targets, profile, Math.Max(1, options.Connections / targets.Count), (run, spread) =>
            {
                progress = RunCommand.PrintProgressAsync(run, error);
                scripted = script.RunAsync(run, spread, stopScript.Token);
            }, cancellationToken, new ResponseTrace()).ConfigureAwait(false);
        }
        finally
        {
            await stopScript.CancelAsync().ConfigureAwait(false);
            await stopWatching.CancelAsync().ConfigureAwait(false);
            await watching.ConfigureAwait(false);
            if (progress is not null)
            {
                await progress.ConfigureAwait(false);
            }
        }

        await scripted!.ConfigureAwait(false);
        var writes = setup.Cloudflare!.Requests.Count(r => r.At >= settledAt && r.Method != "GET" && r.StatusCode is >= 200 and < 300);
        var fleet = FleetAnalysis.Analyze(plan, watch.LeaderSamples, watch.DnsChanges, script.Faults, settled, result.WindowStart, writes);
        return Report(options, plan, targets[0], result, fleet);
    }

    private static RunReport Report(LoadOptions options, FleetPlan plan, HttpTarget target, RunResult result, FleetSummary fleet) => new()
    {
        Command = "drill",
        Title = plan.Title ?? "Fleet drill: leader killed, an edge cut off etcd, primary failed",
        Target = target.Url,
        Method = target.Method,
        BodySize = target.BodySize,
        Connections = options.Connections,
        Result = result,
        Budgets = BudgetEvaluator.Evaluate(options.Budgets, result, figure => figure.Name switch
        {
            "failed" => result.Failed,
            "duplicate-writes" => fleet.DuplicateWrites,
            "leader-time" => fleet.LeaderTimeMs,
            "dns-time" => fleet.DnsChangeAfterFailMs,
            _ => null,
        }),
        Fleet = fleet,
    };

    /// <summary>The three faults at their times of the measured window, each marked on the run and printed.</summary>
    private sealed class FleetScript(FleetSetup setup, FleetWatch watch, FleetPlan plan, TextWriter output)
    {
        private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(2);
        private static readonly TimeSpan s_leaderTimeout = TimeSpan.FromSeconds(10);

        public FleetFaults Faults { get; private set; } = new();

        public async Task RunAsync(OpenModelRun run, SpreadTransport spread, CancellationToken cancellationToken)
        {
            try
            {
                await DrillCommand.WaitUntilAsync(run, plan.KillAt, cancellationToken).ConfigureAwait(false);
                var leader = await LeaderAsync(cancellationToken).ConfigureAwait(false);

                // The balancer in front of the edges (the harness) stops sending to it and lets its requests finish,
                // then it dies: the drill measures the fleet, not how fast a balancer notices a dead edge.
                spread.TakeOutOfRotation(leader);
                await DrainAsync(spread, leader, cancellationToken).ConfigureAwait(false);
                var inFlight = spread.OutstandingOn(leader);
                Faults = Faults with { KillAt = Stopwatch.GetTimestamp(), Killed = leader, InFlightAtKill = inFlight };
                run.Mark($"SIGKILL {FleetSetup.EdgeIds[leader]} (leader)");
                await setup.KillEdgeAsync(leader).ConfigureAwait(false);
                await Say(run, $"SIGKILL {FleetSetup.EdgeIds[leader]}, the DNS leader ({inFlight} requests still in flight on it)").ConfigureAwait(false);

                await DrillCommand.WaitUntilAsync(run, plan.PartitionAt, cancellationToken).ConfigureAwait(false);
                var next = await LeaderAsync(cancellationToken).ConfigureAwait(false);
                Faults = Faults with { PartitionAt = Stopwatch.GetTimestamp(), Partitioned = next };
                run.Mark($"partition {FleetSetup.EdgeIds[next]} from etcd");
                setup.Partition(next);
                await Say(run, $"{FleetSetup.EdgeIds[next]}, the leader now, cut off etcd (it keeps taking load)").ConfigureAwait(false);

                await DrillCommand.WaitUntilAsync(run, plan.FailAt, cancellationToken).ConfigureAwait(false);
                Faults = Faults with { FailAt = Stopwatch.GetTimestamp() };
                run.Mark($"SIGKILL {FleetSetup.Regions[0]} upstream");
                await setup.FailPrimaryAsync().ConfigureAwait(false);
                await Say(run, $"{FleetSetup.Regions[0]} failed for every edge (its upstream SIGKILLed)").ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The run ended (or was interrupted) first.
            }
        }

        private Task Say(OpenModelRun run, string what) => output.WriteLineAsync($"  {run.Elapsed.TotalSeconds,5:0.0}s: {what}");

        /// <summary>The one edge leading now, waiting (bounded) for one.</summary>
        private async Task<int> LeaderAsync(CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(s_leaderTimeout.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (watch.SingleLeader() is { } leader && setup.IsAlive(leader))
                {
                    return leader;
                }

                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }

            throw new DrillException($"no single leader within {s_leaderTimeout.TotalSeconds:0} s (leading: [{string.Join(", ", watch.Leaders())}])");
        }

        private static async Task DrainAsync(SpreadTransport spread, int edge, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(s_drainTimeout.TotalSeconds * Stopwatch.Frequency);
            while (spread.OutstandingOn(edge) > 0 && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
