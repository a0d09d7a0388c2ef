using NeuroPilot.Edge.LoadTests.Platform;
using NeuroPilot.Edge.LoadTests.Reports;

namespace NeuroPilot.Edge.LoadTests.Tests.Platform;

public class TargetCpuTests
{
    [Fact]
    public void Between_OneSecondOfCpuFor50000Responses_Is20MicrosecondsAnd50000PerCore()
    {
        var cpu = TargetCpu.Between(CpuReading.Of(10.0), CpuReading.Of(11.0), 50_000);

        Assert.Equal(1.0, cpu.CpuSeconds!.Value, 9);
        Assert.Equal(20, cpu.MicrosecondsPerRequest!.Value, 9);
        Assert.Equal(50_000, cpu.RequestsPerCoreSecond!.Value, 6);
        Assert.Null(cpu.Why);
        Assert.False(cpu.Coarse);
        Assert.Equal("20.0 µs", DisplayFormat.CpuPerRequest(cpu));
        Assert.Equal("50,000", DisplayFormat.PerCore(cpu));
    }

    [Fact]
    public void Sum_RoundsOfOneTarget_DividesTheTotalCpuByTheTotalResponses()
    {
        // 0.3 s for 10,000 and 0.1 s for 10,000: 20 µs per request overall, not the mean of 30 and 10 weighted otherwise.
        var cpu = TargetCpu.Sum([new TargetCpu(0.3, 10_000, null), new TargetCpu(0.1, 10_000, null), new TargetCpu(0.4, 20_000, null)]);

        Assert.Equal(0.8, cpu.CpuSeconds!.Value, 9);
        Assert.Equal(40_000, cpu.Responses);
        Assert.Equal(20, cpu.MicrosecondsPerRequest!.Value, 9);
        Assert.Equal(50_000, cpu.RequestsPerCoreSecond!.Value, 6);
    }

    [Fact]
    public void Sum_OneRoundWithoutAReading_MakesTheTargetNotAvailableWithItsReason()
    {
        var cpu = TargetCpu.Sum([new TargetCpu(0.3, 10_000, null), new TargetCpu(null, 10_000, "process 42 exited or is unreadable")]);

        Assert.Null(cpu.MicrosecondsPerRequest);
        Assert.Null(cpu.RequestsPerCoreSecond);
        Assert.Equal("process 42 exited or is unreadable", cpu.Why);
        Assert.Equal("n/a", DisplayFormat.CpuPerRequest(cpu));
        Assert.Equal("n/a", DisplayFormat.PerCore(cpu));
    }

    [Fact]
    public void Between_ReadingAfterUnavailable_CarriesTheReason()
    {
        var cpu = TargetCpu.Between(CpuReading.Of(1.0), CpuReading.Unavailable("process 7 exited or is unreadable"), 500);

        Assert.Null(cpu.CpuSeconds);
        Assert.Equal("process 7 exited or is unreadable", cpu.Why);
    }

    [Fact]
    public void Between_NoClockTickCounted_GivesNoPerCoreFigureAndSaysWhy()
    {
        var cpu = TargetCpu.Between(CpuReading.Of(3.0), CpuReading.Of(3.0), 200);

        Assert.Equal(0, cpu.MicrosecondsPerRequest);
        Assert.Null(cpu.RequestsPerCoreSecond);
        Assert.Equal("no CPU tick counted in the window (run longer)", cpu.Why);
        Assert.Equal("n/a", DisplayFormat.PerCore(cpu));
    }

    [Fact]
    public void Between_NoResponses_HasNoPerRequestFigure()
    {
        var cpu = TargetCpu.Between(CpuReading.Of(3.0), CpuReading.Of(3.5), 0);

        Assert.Null(cpu.MicrosecondsPerRequest);
        Assert.Equal("no responses in the window", cpu.Why);
    }

    [Fact]
    public void Coarse_FewClockTicks_MarksTheFiguresApproximate()
    {
        // 3 ticks of 10 ms for 1,000 responses: 30 µs, but ±1 tick at each end is ±33%.
        var cpu = TargetCpu.Between(CpuReading.Of(1.00), CpuReading.Of(1.03), 1_000);

        Assert.True(cpu.Coarse);
        Assert.Equal("~30.0 µs", DisplayFormat.CpuPerRequest(cpu));
        Assert.Equal("~33,333", DisplayFormat.PerCore(cpu));
    }
}
