using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using NeuroPilot.Edge.Benchmarks.Infrastructure;

namespace NeuroPilot.Edge.Benchmarks;

public static class Program
{
    private const string CpuClockOption = "--cpu-clock";

    /// <summary>
    /// BenchmarkDotNet's default config with: a longer build timeout (the generated host project recompiles the edge
    /// without the shared compiler server: over the 2-minute default on a busy 2-core machine); Median and Min
    /// columns; and, with <c>--cpu-clock</c> (ours, taken out before BenchmarkDotNet parses the rest), every job
    /// timed by the process's CPU time instead of wall time (see <see cref="ProcessCpuClock"/>).
    /// </summary>
    public static void Main(string[] args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .WithBuildTimeout(TimeSpan.FromMinutes(10))
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        if (args.Contains(CpuClockOption))
        {
            args = [.. args.Where(a => a != CpuClockOption)];
            config = config.AddJob(Job.Default.WithClock(ProcessCpuClock.Instance).AsMutator());
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
