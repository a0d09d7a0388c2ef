namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>
/// The prose of the help: the main help, and per command the text around its option rows (the rows themselves come
/// from each command's options, see <see cref="OptionHelp"/>).
/// </summary>
internal static class HelpText
{
    public const string Main = """
        neuropilot-loadtest: open-model HTTP load tests with latency budgets (the NeuroPilot.Edge harness)

        Usage:
          neuropilot-loadtest run       --target URL --rate R --duration D [options]   one run, budgets, reports
          neuropilot-loadtest compare   --rate R --duration D --target NAME=URL ...    same load, several targets, added latency
          neuropilot-loadtest capacity  --target URL --start R0 --step S --max RMAX --step-duration D --budget p99=5ms
                                                                                        highest rate that meets the budgets
          neuropilot-loadtest drill failover --edge PATH [--fault kill|stop|503] [options]
                                                                                        break the primary region under load,
                                                                                        measure failover and recovery
          neuropilot-loadtest drill spike --edge PATH [--rate R] [--spike-factor 10] [--limits on|off] [options]
                                                                                        a baseline, a spike of 10x, the baseline
                                                                                        again: shedding, admitted latency,
                                                                                        recovery, edge RSS and CPU
          neuropilot-loadtest drill fleet --edge PATH [--rate R] [--duration D] [options]
                                                                                        three edges on a real etcd under load:
                                                                                        kill the DNS leader, cut an edge off
                                                                                        etcd, fail the primary region
          neuropilot-loadtest COMMAND --help                                           options of a command
          neuropilot-loadtest --version

        Requests follow a constant-rate schedule whatever the target does (open model). Latency is measured from each
        request's intended start, so a stalled target shows in the percentiles (coordinated omission corrected, as wrk2).

        Exit codes: 0 every budget held, 99 a budget was breached, 2 bad arguments, 1 the run could not happen
        (target unreachable, peer failed to start), 130 interrupted.
        """;

    public static readonly CommandHelp Run = new(
        Header: """
        neuropilot-loadtest run: one open-model run against one target, checked against budgets

        Usage:
          neuropilot-loadtest run --target URL --rate R --duration D [options]
        """,
        Footer: """
        Reports (--report DIR): summary.json (sent, completed, failed, rate_achieved, latency_ms.{p50,p90,p99,p999,max},
        budgets with pass/fail, per-second figures), summary.md, latency.hgrm (HdrHistogram percentile distribution)
        and report.html (self-contained charts: latency, throughput and errors over time, percentile distribution).

        Exit codes: 0 every budget held, 99 a budget was breached, 2 bad arguments, 1 target unreachable, 130 interrupted.

        Example:
          neuropilot-loadtest run --target http://127.0.0.1:8080/ --rate 2000 --duration 20s --warmup 2s \
            --budget p99=5ms --budget error-rate=0.1% --report artifacts/load/run
        """);

    public static readonly CommandHelp Compare = new(
        Header: """
        neuropilot-loadtest compare: the same load against several targets, in alternation, with the latency each adds

        Usage:
          neuropilot-loadtest compare --rate R --duration D [--rounds N] --target NAME=URL ... [options]
        """,
        Footer: """
        With compare, a latency budget caps the latency every target adds to the baseline at that percentile
        (p99=1ms: no target adds more than 1 ms at p99); error-rate caps each target's own error rate.

        CPU: next to its latency, each target's CPU per request (user + kernel time of its processes from
        /proc/PID/stat, read before and after every measured window, over the responses in it) and req/s per core
        (responses / CPU-seconds). Its processes are every one holding the socket that listens on its URL's port
        (an nginx or HAProxy master and its workers, summed), or those given with --pid. When none can be found
        (a remote target, a process of another user), the CPU columns read n/a and a line says why.

        Reports (--report DIR): compare.json, compare.md, compare.html and NAME.hgrm per target.

        Exit codes: 0 every budget held, 99 a budget was breached, 2 bad arguments, 1 a target was unreachable or a
        peer did not start, 130 interrupted.

        Example:
          neuropilot-loadtest compare --rate 2000 --duration 10s --warmup 1s --rounds 3 \
            --target direct=http://127.0.0.1:9001/ --target edge=http://127.0.0.1:8080/ \
            --peer nginx --peer haproxy --upstream http://127.0.0.1:9001 --report artifacts/load/compare
        """);

    public static readonly CommandHelp Capacity = new(
        Header: """
        neuropilot-loadtest capacity: ramps the rate step by step and reports the highest rate that meets the budgets

        Usage:
          neuropilot-loadtest capacity --target URL --start R0 --step S --max RMAX --step-duration D --budget p99=5ms [options]
        """,
        Footer: """
        At least one budget is required (the capacity is "the highest rate that meets them").
        Each step also shows the target's CPU per request and req/s per core, read from /proc like compare does
        (the processes holding its listening socket, or --pid); n/a with the reason when they cannot be found.
        Exit codes: 0 a rate met the budgets (and --require held), 99 none did, 2 bad arguments, 1 target unreachable.
        Reports (--report DIR): capacity.json, capacity.md, capacity.html.

        Example:
          neuropilot-loadtest capacity --target http://127.0.0.1:8080/ --start 1000 --step 1000 --max 10000 \
            --step-duration 5s --budget p99=5ms --budget error-rate=0.1% --report artifacts/load/capacity
        """);

    public static readonly CommandHelp DrillFailover = new(
        Header: """
        neuropilot-loadtest drill failover: break the primary region under load and measure the failover

        Usage:
          neuropilot-loadtest drill failover --edge PATH [--fault kill|stop|503] [--fault-at 4s] [--recover-at 8s] [options]

        Starts three test upstreams (PATH upstream --listen ... --region us-east|eu-west|ap-south) and the edge
        (PATH run --config, us-east primary) on free loopback ports, waits for /readyz, sends GET requests through the
        edge at a constant rate, breaks us-east at --fault-at and mends it at --recover-at. Every process it started is
        stopped at the end (by pid), also on errors and Ctrl+C.
        """,
        Footer: """
        Drill figures (also budgets: --budget failed=0 --budget failover-time=2s --budget recovery-time=10s):
          failed                  requests that got no 2xx (HTTP errors, timeouts, connection errors), split into
                                  before and after the fault (by when they ended)
          failover-time           from the fault to the first response from another region after which every
                                  response until the recovery is a 2xx from another region (X-Upstream-Region)
          recovery-time           from the recovery to the first 2xx response from us-east
          switches back           after traffic returned to us-east, how often responses (in send order) left it again
        The same three figures are also given from the edge's /admin/status serving_region, polled every 50 ms.

        Reports (--report DIR): summary.json (with drill.{fault, fault_at_s, failed, failed_after_fault,
        failover_time_ms, recovery_time_ms, switches_back, ...}), summary.md, latency.hgrm, report.html (markers at the
        fault and the recovery, responses by region per second) and edge.log (the edge's own log).

        Exit codes: 0 every budget held, 99 a budget was breached, 2 bad arguments, 1 the processes did not start,
        130 interrupted.

        The other drills, a load spike against the edge's limits and a fleet of edges on etcd:
        neuropilot-loadtest drill spike --help, neuropilot-loadtest drill fleet --help.

        Example:
          neuropilot-loadtest drill failover --edge /tmp/drill-edge/neuropilot-edge --fault stop --per-try-timeout 1s \
            --budget failed=0 --budget failover-time=2s --budget recovery-time=10s --report artifacts/load/drill
        """);

    public static readonly CommandHelp DrillSpike = new(
        Header: """
        neuropilot-loadtest drill spike: a load spike against the edge's limits; what is served, shed and failed

        Usage:
          neuropilot-loadtest drill spike --edge PATH [--rate R] [--spike-factor F] [--baseline 4s] [--spike 4s] [--after 4s]
                                          [--limits on|off] [--max-in-flight N] [--rate-limit N] [--clients N] [options]

        Starts the test upstreams (PATH upstream --listen ... --region us-east) and the edge (PATH run --config, one
        service "api" in front of them) on free loopback ports, waits for /readyz, and sends GET requests through the
        edge on one open-model schedule: --rate for --baseline, --spike-factor times that for --spike, then --rate again
        for --after. It samples the edge's RSS and CPU from /proc/PID every 100 ms and reads its shed counters
        (neuropilot_edge_requests_shed_total) from /metrics at each phase change. Every process it started is stopped
        at the end (by pid), also on errors and Ctrl+C.
        """,
        Footer: """
        --connections defaults to 256 here: a spike needs connections to carry the extra concurrency (a due request
        that finds none idle waits in the harness, counted as a late send, and the edge never sees it).

        Per phase (baseline, spike, after; a request belongs to the phase of its intended start): offered rate (the
        schedule), achieved rate (requests sent while the phase lasted) with the share of sends that left late and the
        p99 send lag (the harness itself fell behind: the edge saw less than offered), goodput (2xx responses arriving
        while the phase lasted), shed share (429 and 503 with Retry-After, separately), failed share (anything else:
        other statuses, a 503 without Retry-After, timeouts, connection errors), p50/p99/max latency of admitted (not
        shed) requests from their intended start, and their p99 from the actual send, the edge's peak RSS and CPU time,
        and the edge's own shed counters by reason (the first phase's include the warm-up, the last one's the grace).
        Recovery time: from the end of the spike to the first 250 ms window from which a whole second of windows (or
        the rest of the run, if shorter) shed nothing, failed nothing and kept admitted p99 within the threshold (0: it
        began with the first window after the spike; "never": no such window).

        Drill figures (budgets, with the run's own p99, error-rate, ...):
          p99-admitted            the highest p99 of admitted requests among the phases (--budget p99-admitted=50ms)
          recovery-time           as above (--budget recovery-time=2s)
          rss                     the edge's peak RSS: the higher of the sampled peak and VmHWM (--budget rss=100MiB)
          failed                  the failed share of the whole run (--budget failed=0.1%)
          shed-baseline           the shed share of the baseline phase (--budget shed-baseline=0)

        Reports (--report DIR): summary.json (with spike.{phases[], recovery_time_ms, p99_admitted_ms, rss_peak_bytes,
        edge_shed_total, windows[], resources[], limits, ...}), summary.md, latency.hgrm (every request),
        latency-admitted.hgrm (admitted only), report.html (outcomes and admitted latency per 250 ms, edge RSS and
        CPU over time, markers at the phase changes), edge.json (the config it ran) and edge.log.

        Exit codes: 0 every budget held, 99 a budget was breached, 2 bad arguments, 1 the processes did not start (the
        edge refused the config, for one), 130 interrupted.

        Example:
          neuropilot-loadtest drill spike --edge /tmp/drill-edge/neuropilot-edge --rate 500 --spike-factor 10 \
            --max-in-flight 32 --rate-limit 200 --clients 8 --budget p99-admitted=50ms --budget recovery-time=2s \
            --budget rss=100MiB --budget failed=0 --report artifacts/load/spike
        """);

    public static readonly CommandHelp DrillFleet = new(
        Header: """
        neuropilot-loadtest drill fleet: a fleet of three edges on etcd under load: the DNS leader killed, an edge cut
        off etcd, the primary region failed

        Usage:
          neuropilot-loadtest drill fleet --edge PATH [--rate R] [--duration D] [--kill-at 4s] [--partition-at 10s]
                                          [--fail-at 16s] [--lease-ttl 2s] [--down-hold 2s] [options]

        Starts, on loopback: a real 3-member etcd (/usr/bin/etcd, Debian package etcd-server), the Cloudflare API
        emulator, one upstream per region (PATH upstream ... --region us-east|eu-west) shared by every edge, and three
        edges (PATH run --config: edge-a, edge-b, edge-c, one fleet, DNS to the emulator), each reaching etcd through a
        relay of its own. Once DNS publishes us-east and one edge leads, it sends GET requests at a constant rate,
        round robin over the live edges, and:
          --kill-at       takes the DNS leader out of the rotation, lets its requests finish (up to 2 s), SIGKILLs it;
          --partition-at  cuts the edge leading then off etcd (its relays drop every byte: calls time out); it stays
                          in the rotation and keeps proxying on its own view;
          --fail-at       SIGKILLs the us-east upstream: the primary fails for every edge.
        Every process it started is stopped at the end (by pid), also on errors and Ctrl+C.
        """,
        Footer: """
        Drill figures (leadership from each edge's /admin/fleet every 50 ms, DNS from the emulator every 25 ms):
          new leader after kill      from the SIGKILL until another edge says it leads
          new leader after partition from the partition until an edge that still reaches etcd says it leads (and when
                                     the cut-off edge stopped saying so)
          dns change                 from the primary's failure until the emulator publishes eu-west (includes the
                                     down hold)
          dns writes, duplicates     successful provider writes after the fleet settled, and those beyond one per
                                     change of the published record (a second writer, or a write that changed nothing)
          failed                     requests that got no 2xx (the killed edge gets none after it left the rotation)
        Budgets: failed=0 and duplicate-writes=0 hold unless given otherwise; leader-time (the longer hand-over) and
        dns-time take a duration (--budget leader-time=4s --budget dns-time=5s).

        Reports (--report DIR): summary.json (with fleet.{killed_edge, new_leader_after_kill_ms,
        new_leader_after_partition_ms, dns_change_after_fail_ms, dns_writes, duplicate_writes, dns_timeline, ...}),
        summary.md, latency.hgrm, report.html (markers at the three faults) and edge-a.log, edge-b.log, edge-c.log.

        Exit codes: 0 every budget held, 99 a budget was breached, 2 bad arguments, 1 the processes did not start or
        the fleet did not settle, 130 interrupted.

        Example:
          neuropilot-loadtest drill fleet --edge /tmp/drill-edge/neuropilot-edge --rate 300 --duration 24s \
            --budget leader-time=5s --budget dns-time=6s --report artifacts/load/fleet
        """);
}
