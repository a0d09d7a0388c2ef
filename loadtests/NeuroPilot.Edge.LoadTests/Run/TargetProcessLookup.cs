using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.Run;

/// <summary>Which processes' CPU is a target's cost: the ones given with <c>--pid</c>, else the owners of its listening socket.</summary>
internal static class TargetProcessLookup
{
    public static async Task<TargetProcesses> FindAsync(HttpTarget target, IReadOnlyList<int>? processIds, CancellationToken cancellationToken)
    {
        if (processIds is { Count: > 0 })
        {
            return TargetProcesses.Of(processIds, "--pid");
        }

        try
        {
            var endPoint = await target.ResolveAsync(cancellationToken).ConfigureAwait(false);
            return ListeningProcessFinder.Find(endPoint.Address, endPoint.Port);
        }
        catch (TargetUnreachableException e)
        {
            return TargetProcesses.Unavailable(e.Message);
        }
    }
}
