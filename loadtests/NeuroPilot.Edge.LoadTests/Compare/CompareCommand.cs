using System.CommandLine;
using System.Text.RegularExpressions;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.Cli;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Peers;
using NeuroPilot.Edge.LoadTests.Platform;
using NeuroPilot.Edge.LoadTests.Reports;
using NeuroPilot.Edge.LoadTests.Run;

namespace NeuroPilot.Edge.LoadTests.Compare;

/// <summary>
/// <c>compare</c>: the same open-model load against several targets in alternation (A B C, A B C, ...), so that
/// drifts of the machine hit every target alike; merged per target, then the latency each adds to the first.
/// </summary>
internal static partial class CompareCommand
{
    public const int DefaultRounds = 3;

    public static LoadCommand Create()
    {
        var command = new LoadCommand("compare", HelpText.Compare);
        var targets = command.Repeatable("--target", t => t, "NAME=URL",
            "a target (repeatable); the first is the baseline (usually the upstream, direct)");
        var rate = command.Value("--rate", ValueParsers.Rate, "R", "the load of every single run", required: true);
        var duration = command.Value("--duration", ValueParsers.PositiveDuration, "D", null, required: true);
        var rounds = command.Value("--rounds", t => ValueParsers.Count(t, 1, 100), "N",
            "rounds of A B C ... (default 3); results of a target merge across rounds");
        var peers = command.Repeatable("--peer", ParsePeer, "nginx|haproxy", """
            also start that reverse proxy from bench/peers/ in front of --upstream, compare it
            as a target named after it, and stop it afterwards (repeatable)
            """);
        var upstream = command.Parsed("--upstream", ParseUpstream, "URL", """
            the upstream the peers forward to (http://127.0.0.1:9001); without --target, it is
            also the baseline, named "direct"
            """);
        var peersDirectory = command.Text("--peers-dir", "DIR", "where nginx.conf and haproxy.cfg are (default: bench/peers of this repository)");
        var processIds = command.Repeatable("--pid", ValueParsers.NamedProcessIds, "NAME=PID[,PID...]", """
            the processes whose CPU is target NAME's cost, summed (repeatable); by default,
            every process that holds the socket listening on the target's port
            """);
        command.SetAction((parseResult, output, error, cancellationToken) =>
        {
            var options = command.Load.Read(parseResult);
            var plan = new ComparePlan
            {
                Rate = parseResult.GetValue(rate)!.Value,
                Duration = parseResult.GetValue(duration)!.Value,
                Rounds = parseResult.GetValue(rounds) ?? DefaultRounds,
                Targets = parseResult.GetValue(targets) ?? [],
                Peers = parseResult.GetValue(peers) ?? [],
                Upstream = parseResult.GetValue(upstream),
                PeersDirectory = parseResult.GetValue(peersDirectory),
                ProcessIds = parseResult.GetValue(processIds) ?? [],
            };
            return ExecuteAsync(options, plan, output, error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> ExecuteAsync(LoadOptions options, ComparePlan plan, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var targets = ReadTargets(plan, options);
        var peers = ReadPeers(plan);
        var processIds = ReadProcessIds(plan, targets, peers);
        if (plan.Upstream is not null && targets.Count == 0)
        {
            targets.Add(new CompareTarget("direct", plan.Upstream));
        }

        if (targets.Count + peers.Count < 2)
        {
            throw new UsageException("compare: needs at least two targets (--target NAME=URL, or --upstream with --peer)");
        }

        var peersDirectory = peers.Count == 0 ? null : plan.PeersDirectory ?? PeersDirectory.Find()
            ?? throw new UsageException("compare: cannot find bench/peers/ from here; give --peers-dir DIR");
        var profile = options.Profile(plan.Rate, plan.Duration);
        options.PrepareReportDirectory();
        var running = new List<PeerProcess>();
        try
        {
            foreach (var peer in peers)
            {
                targets.Add(await StartPeerAsync(peer, peersDirectory!, plan.Upstream!, running, output, cancellationToken).ConfigureAwait(false));
            }

            var httpTargets = targets.Select(t => options.Target("--target", t.Url.ToString())).ToList();
            var processes = await FindProcessesAsync(targets, httpTargets, processIds, output, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(
                $"compare: {DisplayFormat.Rate(plan.Rate)} for {DisplayFormat.Duration(plan.Duration)} per run, {plan.Rounds} rounds of {string.Join(" ", targets.Select(t => t.Name))} " +
                $"(at most {DisplayFormat.Duration(profile.MaxWallTime * plan.Rounds * targets.Count)})").ConfigureAwait(false);

            var startedAt = DateTimeOffset.UtcNow;
            var results = targets.Select(_ => new List<RunResult>()).ToList();
            var interrupted = false;
            try
            {
                interrupted = await RunRoundsAsync(targets, httpTargets, processes, results, options.Connections, plan.Rounds, profile, output, cancellationToken).ConfigureAwait(false);
            }
            catch (TargetUnreachableException e)
            {
                await error.WriteLineAsync($"compare: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            var comparison = Compare(options, plan.Rounds, profile, targets, processes, results, startedAt, interrupted);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteAsync(CompareReport.Markdown(comparison)).ConfigureAwait(false);
            if (options.ReportDirectory is { } directory)
            {
                CompareReport.Write(directory, comparison);
                await output.WriteLineAsync($"\nreports: {Path.Combine(directory, CompareReport.HtmlFile)} (and compare.json, compare.md, NAME.hgrm)").ConfigureAwait(false);
            }

            return interrupted ? ExitCodes.Interrupted : comparison.Passed ? ExitCodes.Ok : ExitCodes.BudgetBreached;
        }
        catch (PeerStartException e)
        {
            await error.WriteLineAsync($"compare: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        finally
        {
            foreach (var peer in running)
            {
                await peer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts <paramref name="peer"/> in front of <paramref name="upstream"/> (added to <paramref name="running"/> at once, so it is stopped whatever follows).</summary>
    private static async Task<CompareTarget> StartPeerAsync(
        PeerDefinition peer, string peersDirectory, Uri upstream, List<PeerProcess> running, TextWriter output, CancellationToken cancellationToken)
    {
        var started = await PeerProcess.StartAsync(peer, peersDirectory, $"{upstream.Host}:{upstream.Port}", cancellationToken).ConfigureAwait(false);
        running.Add(started);
        await output.WriteLineAsync($"compare: started {peer.Name} (pid {started.ProcessId}) on {started.Listen}, forwarding to {upstream.Host}:{upstream.Port}").ConfigureAwait(false);
        return new CompareTarget(peer.Name, new Uri($"http://{started.Listen}{upstream.PathAndQuery}"), peer.Name);
    }

    /// <summary>
    /// The processes of each target whose CPU the rounds read (given with --pid, else found by the target's listening
    /// socket), each announced in one line, so a reader sees whose CPU the figures are.
    /// </summary>
    private static async Task<List<TargetProcesses>> FindProcessesAsync(
        List<CompareTarget> targets, List<HttpTarget> httpTargets, Dictionary<string, IReadOnlyList<int>> processIds, TextWriter output, CancellationToken cancellationToken)
    {
        var found = new List<TargetProcesses>();
        for (var i = 0; i < targets.Count; i++)
        {
            var processes = await TargetProcessLookup.FindAsync(httpTargets[i], processIds.GetValueOrDefault(targets[i].Name), cancellationToken).ConfigureAwait(false);
            found.Add(processes);
            await output.WriteLineAsync($"compare: CPU of {targets[i].Name}: {processes.Describe()}").ConfigureAwait(false);
        }

        return found;
    }

    /// <summary>Runs every target once per round, in order, into <paramref name="results"/>; true when interrupted.</summary>
    /// <exception cref="TargetUnreachableException">A target cannot be reached (the message starts with its name).</exception>
    private static async Task<bool> RunRoundsAsync(
        List<CompareTarget> targets,
        List<HttpTarget> httpTargets,
        List<TargetProcesses> processes,
        List<List<RunResult>> results,
        int connections,
        int rounds,
        LoadProfile profile,
        TextWriter output,
        CancellationToken cancellationToken)
    {
        for (var round = 1; round <= rounds; round++)
        {
            for (var i = 0; i < targets.Count; i++)
            {
                RunResult result;
                try
                {
                    result = await LoadRunner.RunAsync(
                        httpTargets[i], profile, connections, null, cancellationToken, targetProcesses: processes[i]).ConfigureAwait(false);
                }
                catch (TargetUnreachableException e)
                {
                    throw new TargetUnreachableException($"{targets[i].Name}: {e.Message}", e);
                }

                results[i].Add(result);
                var s = result.LatencySummary;
                await output.WriteLineAsync(
                    $"  round {round}/{rounds} {targets[i].Name,-12} p50 {DisplayFormat.Milliseconds(s.P50),-10} p99 {DisplayFormat.Milliseconds(s.P99),-10} " +
                    $"max {DisplayFormat.Milliseconds(s.Max),-10} errors {DisplayFormat.Percent(result.ErrorRate)}, {DisplayFormat.Rate(result.RateAchieved)}, " +
                    $"cpu {DisplayFormat.CpuPerRequest(result.TargetCpu)}/req").ConfigureAwait(false);
                if (result.Interrupted)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The targets side by side, each checked against the budgets (latency: added to the baseline; ratios: its own).</summary>
    private static ComparisonResult Compare(
        LoadOptions options,
        int rounds,
        LoadProfile profile,
        List<CompareTarget> targets,
        List<TargetProcesses> processes,
        List<List<RunResult>> results,
        DateTimeOffset startedAt,
        bool interrupted)
    {
        var comparisons = targets.Select((t, i) => new TargetComparison(t, results[i], processes[i])).Where(c => c.Rounds.Count > 0).ToList();
        var comparison = new ComparisonResult
        {
            Profile = profile,
            Rounds = rounds,
            Connections = options.Connections,
            Method = options.Method,
            Targets = comparisons,
            BudgetsGiven = options.Budgets,
            StartedAt = startedAt,
            Interrupted = interrupted,
        };
        foreach (var target in comparisons.Skip(1))
        {
            target.Budgets = BudgetEvaluator.EvaluateAdded(options.Budgets, comparison.Baseline.Summary, target.Summary, target.Ratios);
        }

        if (options.Budgets.Any(b => b.Figure.Kind == BudgetFigureKind.Ratio))
        {
            comparison.Baseline.Budgets = BudgetEvaluator.EvaluateAdded(
                [.. options.Budgets.Where(b => b.Figure.Kind == BudgetFigureKind.Ratio)],
                comparison.Baseline.Summary, comparison.Baseline.Summary, comparison.Baseline.Ratios);
        }

        return comparison;
    }

    private static List<CompareTarget> ReadTargets(ComparePlan plan, LoadOptions options)
    {
        var targets = new List<CompareTarget>();
        foreach (var text in plan.Targets)
        {
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"compare: --target {text}: use NAME=URL (like edge=http://127.0.0.1:8080/)");
            }

            var name = text[..equals];
            if (!NamePattern().IsMatch(name))
            {
                throw new UsageException($"compare: --target {text}: the name \"{name}\" may only have letters, digits, '-', '_' and '.'");
            }

            if (targets.Any(t => t.Name == name) || plan.Peers.Any(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new UsageException($"compare: --target {text}: the name \"{name}\" is used twice");
            }

            var target = options.Target("--target", text[(equals + 1)..]);
            targets.Add(new CompareTarget(name, target.Url));
        }

        return targets;
    }

    private static List<PeerDefinition> ReadPeers(ComparePlan plan)
    {
        var peers = new List<PeerDefinition>();
        foreach (var peer in plan.Peers)
        {
            if (peers.Contains(peer))
            {
                throw new UsageException($"compare: --peer {peer.Name} is given twice");
            }

            peers.Add(peer);
        }

        if (peers.Count > 0 && plan.Upstream is null)
        {
            throw new UsageException("compare: --peer needs --upstream URL (the server the peers forward to)");
        }

        return peers;
    }

    /// <summary>The <c>--pid NAME=PID[,PID...]</c> overrides by target name; each must name a target or a peer, once.</summary>
    private static Dictionary<string, IReadOnlyList<int>> ReadProcessIds(ComparePlan plan, List<CompareTarget> targets, List<PeerDefinition> peers)
    {
        var byName = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        foreach (var (name, ids) in plan.ProcessIds)
        {
            var known = targets.Any(t => t.Name == name) || peers.Any(p => p.Name == name) || (name == "direct" && targets.Count == 0 && plan.Upstream is not null);
            if (!known)
            {
                var names = targets.Select(t => t.Name).Concat(peers.Select(p => p.Name));
                throw new UsageException($"compare: --pid {name}=...: no target is named \"{name}\" (targets: {string.Join(", ", names)})");
            }

            if (!byName.TryAdd(name, ids))
            {
                throw new UsageException($"compare: --pid {name}=... is given twice");
            }
        }

        return byName;
    }

    private static PeerDefinition ParsePeer(string name) =>
        PeerDefinition.Find(name) ?? throw new FormatException($"unknown peer; known peers: {PeerDefinition.KnownNames}");

    private static Uri ParseUpstream(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var upstream) && upstream.Scheme == Uri.UriSchemeHttp
            ? upstream
            : throw new FormatException("not an absolute http:// URL");

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
