using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Hosting;

namespace NeuroPilot.Edge.Tests.Hosting;

/// <summary>
/// The runtime settings <c>EdgeHost.PrepareProcess</c> puts in the environment (a pure list, so the test process's own
/// environment, which the edges it starts inherit, is never touched). Their effect on a real edge is counted by
/// <c>Functional/SchedulingTests</c> (event threads) and <c>bench/probes/probe-cost.sh</c> (context switches).
/// </summary>
public sealed class EdgeHostProcessSettingsTests
{
    [Fact]
    public void ProcessSettings_Inline_RunsCompletionsOnTheEventThreadsAndStopsThePoolSpinning()
    {
        var settings = EdgeHost.ProcessSettings(new EdgeOptions { Scheduling = IoScheduling.Inline });

        Assert.Equal(
            [("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1"), ("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0")],
            settings);
    }

    [Fact]
    public void ProcessSettings_ThreadPool_LeavesDotNetsDefaults()
    {
        Assert.Empty(EdgeHost.ProcessSettings(new EdgeOptions { Scheduling = IoScheduling.ThreadPool }));
    }

    [Fact]
    public void ProcessSettings_EventThreads_SetsTheSocketThreadCount()
    {
        var settings = EdgeHost.ProcessSettings(new EdgeOptions { Scheduling = IoScheduling.ThreadPool, EventThreads = 3 });

        Assert.Equal([("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", "3")], settings);
    }
}
