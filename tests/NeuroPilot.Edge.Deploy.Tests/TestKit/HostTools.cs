using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>
/// Programs of the machine the tests use (promtool, prometheus, ldd, systemd-analyze, python3). A missing one fails the
/// test that needs it with the Debian package to install: these tests never pass by skipping their subject.
/// </summary>
public static class HostTools
{
    public static string Require(string command, string debianPackage)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, command);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            $"\"{command}\" is not installed: apt-get install {debianPackage} (tests/run.sh installs what tests/apt-packages.txt lists)");
    }

    /// <summary>Runs a tool to its end (60 s at most) and returns its exit code and output.</summary>
    public static Task<ProcessResult> RunAsync(string command, string debianPackage, IEnumerable<string> args, string? stdin = null) =>
        ChildProcess.RunToExitAsync(Require(command, debianPackage), args, TimeSpan.FromSeconds(60), stdin);
}
