using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Run;

/// <summary>
/// One open-model run against one HTTP target: resolve, open the connections, run, return the result.
/// Shared by <c>run</c>, <c>compare</c>, <c>capacity</c> and the drills, which pass <paramref name="onStarted"/> to
/// inject faults or mark phases while the run goes on. With <c>targetProcesses</c>, the result carries the target's
/// CPU over the measured window (<see cref="RunResult.TargetCpu"/>).
/// </summary>
internal static class LoadRunner
{
    /// <exception cref="TargetUnreachableException">No connection to the target could be opened.</exception>
    public static async Task<RunResult> RunAsync(
        HttpTarget target,
        LoadProfile profile,
        int connections,
        Action<OpenModelRun>? onStarted,
        CancellationToken cancellationToken,
        ResponseTrace? trace = null,
        IReadOnlyList<System.Net.IPAddress>? sourceAddresses = null,
        Platform.TargetProcesses? targetProcesses = null)
    {
        var endPoint = await target.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var recorder = new RunRecorder(profile, trace);
        var pool = new Http1ConnectionPool(target, endPoint, connections, recorder, profile.Timeout, sourceAddresses);
        await using (pool.ConfigureAwait(false))
        {
            var opened = await pool.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (opened == 0)
            {
                throw new TargetUnreachableException($"cannot connect to {target.Url}: {pool.OpenError}");
            }

            Platform.ThreadPriority.RaiseSocketEventThreads();
            var run = new OpenModelRun(profile, pool, recorder, targetProcesses);
            run.Start(opened, cancellationToken);
            onStarted?.Invoke(run);
            return await run.Completion.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One open-model run spread round robin over <paramref name="targets"/> (each with <paramref name="connectionsPerTarget"/>
    /// connections), all recorded as one run; <paramref name="onStarted"/> gets the transport to take a target out of rotation.
    /// </summary>
    /// <exception cref="TargetUnreachableException">Some target could not be connected to at all.</exception>
    public static async Task<RunResult> RunSpreadAsync(
        IReadOnlyList<HttpTarget> targets,
        LoadProfile profile,
        int connectionsPerTarget,
        Action<OpenModelRun, SpreadTransport>? onStarted,
        CancellationToken cancellationToken,
        ResponseTrace? trace = null)
    {
        var recorder = new RunRecorder(profile, trace);
        var pools = new List<Http1ConnectionPool>(targets.Count);
        foreach (var target in targets)
        {
            var endPoint = await target.ResolveAsync(cancellationToken).ConfigureAwait(false);
            pools.Add(new Http1ConnectionPool(target, endPoint, connectionsPerTarget, recorder, profile.Timeout));
        }

        var spread = new SpreadTransport(pools);
        await using (spread.ConfigureAwait(false))
        {
            var opened = await spread.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (opened == 0)
            {
                throw new TargetUnreachableException($"cannot connect to every one of {string.Join(", ", targets.Select(t => t.Url))}: {spread.OpenError}");
            }

            Platform.ThreadPriority.RaiseSocketEventThreads();
            var run = new OpenModelRun(profile, spread, recorder);
            run.Start(opened, cancellationToken);
            onStarted?.Invoke(run, spread);
            return await run.Completion.ConfigureAwait(false);
        }
    }
}
