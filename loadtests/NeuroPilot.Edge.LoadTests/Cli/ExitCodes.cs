using NeuroPilot.Edge.LoadTests.Reports;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>Exit codes of every command, stable for CI scripts.</summary>
internal static class ExitCodes
{
    /// <summary>Every budget held (or none was given).</summary>
    public const int Ok = 0;

    /// <summary>The run could not happen: target unreachable, a peer failed to start, reports not writable.</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments; nothing was run.</summary>
    public const int BadArguments = 2;

    /// <summary>At least one budget was breached.</summary>
    public const int BudgetBreached = 99;

    /// <summary>Interrupted (Ctrl+C, SIGTERM) before the end.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code of a finished run: interrupted, else whether every budget held.</summary>
    public static int Of(RunReport report) => report.Result.Interrupted ? Interrupted : report.Passed ? Ok : BudgetBreached;
}
