using System.Text;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Cli;

/// <summary>
/// The <c>--help</c> of every command, byte for byte against the files in Cli/golden/ (kept with <c>-text</c>, so git
/// never rewrites their line ends). A change of help text is deliberate: regenerate the files with
/// <c>NEUROPILOT_UPDATE_GOLDEN=1</c> and review the diff.
/// </summary>
public class HelpGoldenTests
{
    private const string UpdateVariable = "NEUROPILOT_UPDATE_GOLDEN";

    public static TheoryData<string[], string> HelpRequests => new()
    {
        { ["--help"], "help.txt" },
        { ["-h"], "help.txt" },
        { ["help"], "help.txt" },
        { ["run", "--help"], "run.txt" },
        { ["run", "-h"], "run.txt" },
        { ["run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--help"], "run.txt" },
        { ["compare", "--help"], "compare.txt" },
        { ["compare", "-h"], "compare.txt" },
        { ["capacity", "--help"], "capacity.txt" },
        { ["capacity", "-h"], "capacity.txt" },
        { ["drill", "--help"], "drill-failover.txt" },
        { ["drill", "failover", "--help"], "drill-failover.txt" },
        { ["drill", "failover", "-h"], "drill-failover.txt" },
        { ["drill", "spike", "--help"], "drill-spike.txt" },
        { ["drill", "spike", "-h"], "drill-spike.txt" },
        { ["drill", "fleet", "--help"], "drill-fleet.txt" },
        { ["drill", "fleet", "-h"], "drill-fleet.txt" },
    };

    [Theory]
    [MemberData(nameof(HelpRequests))]
    public async Task Help_OfEachCommand_IsTheGoldenTextOnStdoutWithExitZero(string[] args, string golden)
    {
        var result = await CommandLine.RunAsync(args);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Error);
        AssertGolden(golden, result.Output);
    }

    [Fact]
    public async Task NoArguments_PrintsTheMainHelpOnStderrAndExitsTwo()
    {
        var result = await CommandLine.RunAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        AssertGolden("help.txt", result.Error);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public async Task Version_PrintsTheNameAndTheThreePartVersion(string arg)
    {
        var result = await CommandLine.RunAsync(arg);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        var version = typeof(LoadTests.Cli.ExitCodes).Assembly.GetName().Version!.ToString(3);
        Assert.Equal($"neuropilot-loadtest {version}\n", result.Output);
    }

    [Fact]
    public void GoldenFiles_HaveNoTrailingNewlineAndUnixLineEnds()
    {
        // The help strings end without a newline (the shell prompt follows); a golden file edited by hand usually gains one.
        foreach (var file in Directory.GetFiles(GoldenDirectory, "*.txt"))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(bytes.Length == 0 || bytes[^1] == (byte)'\n', $"{file} ends with a newline");
            Assert.DoesNotContain((byte)'\r', bytes);
        }
    }

    private static string GoldenDirectory => Path.Combine(Repository.Root, "tests", "NeuroPilot.Edge.LoadTests.Tests", "Cli", "golden");

    private static void AssertGolden(string name, string actual)
    {
        var path = Path.Combine(GoldenDirectory, name);
        var actualBytes = Encoding.UTF8.GetBytes(actual);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllBytes(path, actualBytes);
            return;
        }

        var expectedBytes = File.ReadAllBytes(path);
        if (expectedBytes.AsSpan().SequenceEqual(actualBytes))
        {
            return;
        }

        var expectedLines = Encoding.UTF8.GetString(expectedBytes).Split('\n');
        var actualLines = actual.Split('\n');
        var line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line])
        {
            line++;
        }

        Assert.Fail(
            $"help differs from golden/{name} ({expectedBytes.Length} bytes expected, {actualBytes.Length} written) at line {line + 1}:\n" +
            $"  expected: {(line < expectedLines.Length ? expectedLines[line] : "<end>")}\n" +
            $"  actual:   {(line < actualLines.Length ? actualLines[line] : "<end>")}");
    }
}
