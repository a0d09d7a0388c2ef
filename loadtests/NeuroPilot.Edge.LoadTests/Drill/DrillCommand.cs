using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.Cli;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Platform;
using NeuroPilot.Edge.LoadTests.Reports;
using NeuroPilot.Edge.LoadTests.Run;

namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>
/// <c>drill failover</c>: starts three upstream regions and the edge (all on free loopback ports), runs open-model
/// load through the edge, breaks the primary at <c>--fault-at</c>, mends it at <c>--recover-at</c>, and reports how
/// the traffic moved (from the <c>X-Upstream-Region</c> of every response and the edge's <c>/admin/status</c>).
/// Every process it started is stopped at the end, by pid, whatever happened.
/// </summary>
internal static class DrillCommand
{
    public const string RegionHeader = "X-Upstream-Region";

    public static readonly IReadOnlyList<string> Regions = ["us-east", "eu-west", "ap-south"];

    public const string Name = "drill failover";

    public static LoadCommand Create()
    {
        var command = new LoadCommand(Name, HelpText.DrillFailover, extraBudgetFigures: BudgetFigure.Drill);
        var edge = command.Text("--edge", "PATH", EdgeBinaryOption.Description, required: true);
        var fault = command.Value("--fault", DrillFaults.Parse, "F", """
            kill: SIGKILL us-east (refused), recovery restarts it on the same port;
            stop: SIGSTOP (hung), recovery SIGCONT;
            503: POST /_upstream/fault?mode=503, recovery mode=none (default kill)
            """);
        var faultAt = command.Value("--fault-at", ValueParsers.PositiveDuration, "T",
            "when the fault is injected, from the start of the measured window (default 4s)");
        var recoverAt = command.Value("--recover-at", ValueParsers.PositiveDuration, "T",
            "when the recovery starts (default 8s); needs fault-at < recover-at < duration");
        var perTryTimeout = command.Value("--per-try-timeout", ValueParsers.PositiveDuration, "T",
            "the edge's Retry.PerTryTimeout (default: not set, the edge's default)");
        var rate = command.Value("--rate", ValueParsers.Rate, "R", "requests per second (default 200)");
        var duration = command.Value("--duration", ValueParsers.PositiveDuration, "D", "measured time (default 12s)");
        var path = command.Text("--path", "P", "request path (default /)");
        var title = command.Text("--title", "TEXT", "title of the reports");
        command.SetAction((parseResult, output, error, cancellationToken) =>
        {
            var options = command.Load.Read(parseResult);
            var plan = new DrillPlan
            {
                Edge = EdgeBinaryOption.Read(Name, parseResult.GetValue(edge)!),
                Rate = parseResult.GetValue(rate) ?? 200,
                Duration = parseResult.GetValue(duration) ?? TimeSpan.FromSeconds(12),
                Fault = parseResult.GetValue(fault) ?? DrillFault.Kill,
                FaultAt = parseResult.GetValue(faultAt) ?? TimeSpan.FromSeconds(4),
                RecoverAt = parseResult.GetValue(recoverAt) ?? TimeSpan.FromSeconds(8),
                PerTryTimeout = parseResult.GetValue(perTryTimeout),
                Path = parseResult.GetValue(path) ?? "/",
                Title = parseResult.GetValue(title),
            };
            Check(plan);
            return ExecuteAsync(options, plan, output, error, cancellationToken);
        });
        return command;
    }

    private static void Check(DrillPlan plan)
    {
        if (plan.FaultAt >= plan.RecoverAt || plan.RecoverAt >= plan.Duration)
        {
            throw new UsageException($"drill failover: need --fault-at < --recover-at < --duration (got {DisplayFormat.Duration(plan.FaultAt)}, {DisplayFormat.Duration(plan.RecoverAt)}, {DisplayFormat.Duration(plan.Duration)})");
        }

        if (plan.PerTryTimeout is { } perTry && perTry < TimeSpan.FromMilliseconds(10))
        {
            throw new UsageException("drill failover: --per-try-timeout must be at least 10ms (the edge's minimum)");
        }

        if (!plan.Path.StartsWith('/'))
        {
            throw new UsageException($"drill failover: --path {plan.Path}: must start with /");
        }
    }

    private static async Task<int> ExecuteAsync(LoadOptions options, DrillPlan plan, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var profile = options.Profile(plan.Rate, plan.Duration);
        options.PrepareReportDirectory();

        await output.WriteLineAsync($"drill failover: {plan.Fault.Name()} {Regions[0]} at {DisplayFormat.Duration(plan.FaultAt)}, recover at {DisplayFormat.Duration(plan.RecoverAt)}; " +
            $"GET at {DisplayFormat.Rate(plan.Rate)} for {DisplayFormat.Duration(plan.Duration)} through {plan.Edge}" +
            (plan.PerTryTimeout is { } t ? $" (per-try timeout {DisplayFormat.Duration(t)})" : "")).ConfigureAwait(false);

        var setup = new DrillSetup(plan.Edge, Directory.CreateTempSubdirectory("neuropilot-drill-").FullName);
        return await DrillExecution.ExecuteAsync(
            "drill failover",
            options,
            setup,
            async (setup, token) =>
            {
                await setup.StartAsync(plan.PerTryTimeout, output, token).ConfigureAwait(false);
                return await RunAsync(setup, options, plan, profile, output, error, token).ConfigureAwait(false);
            },
            (setup, _) => [("edge.log", setup.EdgeOutput())],
            output,
            error,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The measured run through the started edge: load, the fault script and the status poller side by side.</summary>
    private static async Task<RunReport> RunAsync(
        DrillSetup setup, LoadOptions options, DrillPlan plan, LoadProfile profile, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var target = options.Target("--path", $"http://127.0.0.1:{setup.EdgePort.ToString(CultureInfo.InvariantCulture)}{plan.Path}")
            .WithResponseTag(RegionHeader, Regions);
        var trace = new ResponseTrace();
        var poller = new StatusPoller();
        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var polling = poller.RunAsync(new Uri($"http://127.0.0.1:{setup.AdminPort.ToString(CultureInfo.InvariantCulture)}/admin/status"), stopPolling.Token);
        using var stopScript = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var script = new FaultScript(setup, plan.Fault, plan.FaultAt, plan.RecoverAt, output);
        Task? progress = null;
        Task? scripted = null;
        RunResult result;
        try
        {
            result = await LoadRunner.RunAsync(target, profile, options.Connections, run =>
            {
                progress = RunCommand.PrintProgressAsync(run, error);
                scripted = script.RunAsync(run, stopScript.Token);
            }, cancellationToken, trace).ConfigureAwait(false);
        }
        finally
        {
            await stopScript.CancelAsync().ConfigureAwait(false);
            await stopPolling.CancelAsync().ConfigureAwait(false);
            await polling.ConfigureAwait(false);
            if (progress is not null)
            {
                await progress.ConfigureAwait(false);
            }
        }

        await scripted!.ConfigureAwait(false);
        var end = Stopwatch.GetTimestamp();
        var drill = DrillAnalysis.Analyze(plan.Fault, Regions, plan.PerTryTimeout, result, trace.Snapshot(), poller.Samples,
            script.FaultTimestamp ?? end, script.RecoverTimestamp ?? end);
        return Report(options, plan, target, result, drill);
    }

    private static RunReport Report(LoadOptions options, DrillPlan plan, HttpTarget target, RunResult result, DrillSummary drill) => new()
    {
        Command = "drill",
        Title = plan.Title ?? $"Failover drill: {plan.Fault.Name()} {Regions[0]}",
        Target = target.Url,
        Method = target.Method,
        BodySize = target.BodySize,
        Connections = options.Connections,
        Result = result,
        Budgets = BudgetEvaluator.Evaluate(options.Budgets, result, figure => figure.Name switch
        {
            "failed" => drill.Failed,
            "failover-time" => drill.FailoverTimeMs,
            "recovery-time" => drill.RecoveryTimeMs,
            _ => null,
        }),
        Drill = drill,
    };

    /// <summary>A free TCP port on 127.0.0.1 (bound and released: another process could take it in between).</summary>
    internal static int FreeLoopbackPort()
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>Waits until <paramref name="at"/> of the run's measured window (the drills' fault scripts).</summary>
    internal static async Task WaitUntilAsync(OpenModelRun run, TimeSpan at, CancellationToken cancellationToken)
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

    /// <summary>Injects the fault and the recovery at their times of the measured window, and marks them on the run.</summary>
    private sealed class FaultScript(DrillSetup setup, DrillFault fault, TimeSpan faultAt, TimeSpan recoverAt, TextWriter output)
    {
        public long? FaultTimestamp { get; private set; }

        public long? RecoverTimestamp { get; private set; }

        public async Task RunAsync(OpenModelRun run, CancellationToken cancellationToken)
        {
            try
            {
                await WaitUntilAsync(run, faultAt, cancellationToken).ConfigureAwait(false);
                FaultTimestamp = Stopwatch.GetTimestamp();
                run.Mark($"fault: {fault.Name()} {Regions[0]}");
                await setup.InjectAsync(fault, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"  {run.Elapsed.TotalSeconds,5:0.0}s: fault injected: {fault.Name()} {Regions[0]}").ConfigureAwait(false);

                await WaitUntilAsync(run, recoverAt, cancellationToken).ConfigureAwait(false);
                RecoverTimestamp = Stopwatch.GetTimestamp();
                run.Mark($"recovery: {Recovery(fault)} {Regions[0]}");
                await setup.RecoverAsync(fault, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"  {run.Elapsed.TotalSeconds,5:0.0}s: recovery: {Recovery(fault)} {Regions[0]}").ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The run ended (or was interrupted) first.
            }
        }

        private static string Recovery(DrillFault fault) => fault switch
        {
            DrillFault.Kill => "restart",
            DrillFault.Stop => "SIGCONT",
            _ => "mode=none",
        };
    }

    /// <summary>The processes of one drill: three upstreams (us-east first) and the edge, with their ports and temp directory.</summary>
    private sealed class DrillSetup(string edgeBinary, string directory) : IAsyncDisposable
    {
        private readonly List<DrillProcess> _processes = [];
        private readonly int[] _upstreamPorts = new int[Regions.Count];
        private DrillProcess? _primary;
        private DrillProcess? _edge;

        public int EdgePort { get; private set; }

        public int AdminPort { get; private set; }

        public string EdgeOutput() => _edge?.Output() ?? "";

        public async Task StartAsync(TimeSpan? perTryTimeout, TextWriter output, CancellationToken cancellationToken)
        {
            for (var i = 0; i < Regions.Count; i++)
            {
                _upstreamPorts[i] = FreeLoopbackPort();
                var upstream = StartUpstream(i);
                _primary ??= upstream;
            }

            for (var i = 0; i < Regions.Count; i++)
            {
                await WaitForOkAsync(_processes[i], Url(_upstreamPorts[i], "/healthz"), cancellationToken).ConfigureAwait(false);
            }

            EdgePort = FreeLoopbackPort();
            AdminPort = FreeLoopbackPort();
            var config = Path.Combine(directory, "edge.json");
            await File.WriteAllTextAsync(config, EdgeConfig(perTryTimeout), cancellationToken).ConfigureAwait(false);
            _edge = Start("edge", ["run", "--config", config]);
            await WaitForOkAsync(_edge, Url(AdminPort, "/readyz"), cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"  edge on 127.0.0.1:{EdgePort} (admin :{AdminPort}, pid {_edge.ProcessId}); " +
                string.Join(", ", Regions.Select((r, i) => $"{r} :{_upstreamPorts[i]} (pid {_processes[i].ProcessId})"))).ConfigureAwait(false);
        }

        public async Task InjectAsync(DrillFault fault, CancellationToken cancellationToken)
        {
            switch (fault)
            {
                case DrillFault.Kill:
                    await _primary!.KillAsync().ConfigureAwait(false);
                    break;
                case DrillFault.Stop:
                    Expect(_primary!.Signal(LinuxNative.SigStop), "SIGSTOP");
                    break;
                default:
                    await SetFaultModeAsync("503", cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        public async Task RecoverAsync(DrillFault fault, CancellationToken cancellationToken)
        {
            switch (fault)
            {
                case DrillFault.Kill:
                    _primary = StartUpstream(0);
                    break;
                case DrillFault.Stop:
                    Expect(_primary!.Signal(LinuxNative.SigCont), "SIGCONT");
                    break;
                default:
                    await SetFaultModeAsync("none", cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        public async ValueTask DisposeAsync()
        {
            // Stop them all at once (each: SIGCONT, SIGTERM, SIGKILL after 5 s), by pid.
            await Task.WhenAll(_processes.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A temp directory: best effort.
            }
        }

        private DrillProcess StartUpstream(int index) =>
            Start(Regions[index], ["upstream", "--listen", Url(_upstreamPorts[index], "").ToString().TrimEnd('/'), "--region", Regions[index]]);

        private DrillProcess Start(string name, IReadOnlyList<string> arguments)
        {
            var process = DrillProcess.Start(name, edgeBinary, arguments);
            _processes.Add(process);
            return process;
        }

        private async Task SetFaultModeAsync(string mode, CancellationToken cancellationToken)
        {
            using var client = NewClient();
            try
            {
                using var response = await client.PostAsync(Url(_upstreamPorts[0], $"/_upstream/fault?mode={mode}"), null, cancellationToken).ConfigureAwait(false);
                Expect(response.IsSuccessStatusCode, $"POST /_upstream/fault?mode={mode} (status {(int)response.StatusCode})");
            }
            catch (HttpRequestException e)
            {
                throw new DrillException($"{Regions[0]}: POST /_upstream/fault?mode={mode} failed: {e.Message}", e);
            }
        }

        private static void Expect(bool done, string what)
        {
            if (!done)
            {
                throw new DrillException($"{Regions[0]}: {what} failed");
            }
        }

        private string EdgeConfig(TimeSpan? perTryTimeout)
        {
            static string Ms(TimeSpan span) => $"{span.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms";
            var regions = string.Join(",\n", Regions.Select((r, i) =>
                $$"""        { "Name": "{{r}}", "Destinations": ["http://127.0.0.1:{{_upstreamPorts[i].ToString(CultureInfo.InvariantCulture)}}"] }"""));
            var retry = perTryTimeout is { } perTry ? $",\n      \"Retry\": {{ \"PerTryTimeout\": \"{Ms(perTry)}\" }}" : "";
            return $$"""
                {
                  "Edge": {
                    "Listen": ["http://127.0.0.1:{{EdgePort.ToString(CultureInfo.InvariantCulture)}}"],
                    "Admin": { "Listen": "http://127.0.0.1:{{AdminPort.ToString(CultureInfo.InvariantCulture)}}" },
                    "DrainTimeout": "2s"
                  },
                  "Services": {
                    "api": {
                      "Regions": [
                {{regions}}
                      ],
                      "HealthCheck": { "Path": "/healthz", "Interval": "10s", "Timeout": "2s" }{{retry}}
                    }
                  }
                }

                """;
        }

        private static Task WaitForOkAsync(DrillProcess process, Uri url, CancellationToken cancellationToken) =>
            ReadinessProbe.WaitForOkAsync(process, url, cancellationToken);

        private static HttpClient NewClient() => ReadinessProbe.NewClient();

        private static Uri Url(int port, string path) => new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{path}");
    }
}
