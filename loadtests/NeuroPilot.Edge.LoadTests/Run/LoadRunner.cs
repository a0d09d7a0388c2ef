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
}
