using NeuroPilot.Edge.Cli;

namespace NeuroPilot.Edge.Tests.Cli;

public class EdgeCommandLineTests
{
    [Theory]
    [InlineData("--config", "edge.json")]
    [InlineData("--config=edge.json")]
    [InlineData("-c", "edge.json")]
    [InlineData("-c=edge.json")]
    public void TryParse_ConfigInAnySpelling_GivesTheFile(params string[] args)
    {
        Assert.True(EdgeCommandLine.TryParse(args, out var options, "--config"));

        Assert.Equal("edge.json", Assert.Single(options, o => o.Key == "--config").Value);
    }

    [Fact]
    public void TryParse_ValueContainingEquals_KeepsEverythingAfterTheFirst()
    {
        Assert.True(EdgeCommandLine.TryParse(["--listen=http://127.0.0.1:9001/?a=b"], out var options, "--listen"));

        Assert.Equal("http://127.0.0.1:9001/?a=b", options["--listen"]);
    }

    [Fact]
    public void TryParse_FlagsAndValues_AreAllRead()
    {
        Assert.True(EdgeCommandLine.TryParse(
            ["--http2", "--listen", "http://127.0.0.1:9001", "--region", "eu-west"],
            out var options,
            "--listen", "--region", "--http2"));

        Assert.Equal(3, options.Count);
        Assert.Null(options["--http2"]);
        Assert.Equal("http://127.0.0.1:9001", options["--listen"]);
        Assert.Equal("eu-west", options["--region"]);
    }

    [Fact]
    public void TryParse_FlagLast_HasNoValue()
    {
        Assert.True(EdgeCommandLine.TryParse(["--listen", "http://127.0.0.1:9001", "--http2"], out var options, "--listen", "--http2"));

        Assert.True(options.ContainsKey("--http2"));
        Assert.Null(options["--http2"]);
    }

    [Fact]
    public void TryParse_OptionGivenTwice_LastOneWins()
    {
        Assert.True(EdgeCommandLine.TryParse(["--config", "a.json", "-c", "b.json"], out var options, "--config"));

        Assert.Equal("b.json", options["--config"]);
    }

    [Fact]
    public void TryParse_NoArguments_GivesNoOptions()
    {
        Assert.True(EdgeCommandLine.TryParse([], out var options, "--config"));

        Assert.Empty(options);
    }

    [Theory]
    [InlineData("--conifg", "edge.json")]
    [InlineData("--config", "edge.json", "--verbose")]
    [InlineData("--CONFIG", "edge.json")]
    [InlineData("edge.json")]
    [InlineData("-x")]
    public void TryParse_UnknownOptionOrStrayArgument_IsRejected(params string[] args) =>
        Assert.False(EdgeCommandLine.TryParse(args, out _, "--config"));

    [Fact]
    public void TryParse_ConfigAliasWhereConfigIsNotAllowed_IsRejected() =>
        Assert.False(EdgeCommandLine.TryParse(["-c", "edge.json"], out _, "--listen"));
}
