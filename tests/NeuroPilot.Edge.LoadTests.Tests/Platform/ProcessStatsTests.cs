using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.Tests.Platform;

public class ProcessStatsTests
{
    [Fact]
    public void ParseStatusKiB_VmRssAndVmHwmLines_AreReadInKiB()
    {
        const string status = "Name:\tneuropilot-edge\nVmPeak:\t  300000 kB\nVmHWM:\t   41000 kB\nVmRSS:\t   31240 kB\nThreads:\t12\n";

        Assert.Equal(31240, ProcessStats.ParseStatusKiB(status, "VmRSS:"));
        Assert.Equal(41000, ProcessStats.ParseStatusKiB(status, "VmHWM:"));
        Assert.Null(ProcessStats.ParseStatusKiB(status, "VmSwap:"));
    }

    [Fact]
    public void ParseCpuTicks_CommandNameWithSpacesAndParentheses_AddsUserAndKernelTime()
    {
        const string stat = "4242 (weird (name) x) S 1 4242 4242 0 -1 4194304 1200 0 0 0 250 75 0 0 20 0 12 0 1000 300000000 7800 18446744073709551615";

        Assert.Equal(325, ProcessStats.ParseCpuTicks(stat));
    }

    [Fact]
    public void TryRead_ThisProcess_HasResidentMemoryAndCpuTime()
    {
        var sample = ProcessStats.TryRead(Environment.ProcessId);

        Assert.NotNull(sample);
        Assert.InRange(sample.Value.RssBytes, 1 << 20, long.MaxValue);
        Assert.True(sample.Value.HighWaterBytes >= sample.Value.RssBytes, sample.ToString());
        Assert.True(sample.Value.CpuSeconds > 0, sample.ToString());
    }
}
