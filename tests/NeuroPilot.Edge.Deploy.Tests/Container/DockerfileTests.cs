using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.Container;

/// <summary>
/// deploy/container/Dockerfile, read as text (no Docker engine runs here): its stages, user, config path, ports and
/// health check agree with each other and with the default config it ships, which the binary accepts.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string DockerfilePath = RepoPaths.Deploy("container", "Dockerfile");
    private static readonly string ConfigPath = RepoPaths.Deploy("container", "edge.json");

    [Fact]
    public void BuildStage_PublishesNativeAotInTheSdkImage_WithClangAndZlib()
    {
        var text = File.ReadAllText(DockerfilePath);

        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/sdk:\$\{DOTNET_VERSION\}-noble AS build", text);
        Assert.Contains("clang", text, StringComparison.Ordinal);
        Assert.Contains("zlib1g-dev", text, StringComparison.Ordinal);
        Assert.Matches(@"dotnet publish src/NeuroPilot\.Edge/NeuroPilot\.Edge\.csproj -c Release -r ", text);
        Assert.Contains("-p:TreatWarningsAsErrors=true", text, StringComparison.Ordinal);
        foreach (var source in CopySources(text))
        {
            Assert.True(File.Exists(Path.Combine(RepoPaths.Root, source)) || Directory.Exists(Path.Combine(RepoPaths.Root, source)), $"COPY {source}: not in the repository");
        }
    }

    [Fact]
    public void FinalStage_IsChiseledRuntimeDeps_RunsAsNonRoot_WithTheConfigAtTheDocumentedPath()
    {
        var text = File.ReadAllText(DockerfilePath);
        var final = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];

        Assert.Equal("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled", FinalStageImage());
        var user = Instruction().Matches(final).Single(m => m.Groups[1].Value == "USER").Groups[2].Value.Trim();
        Assert.DoesNotMatch(@"^(0|root)(:|$)", user);
        Assert.Contains("COPY deploy/container/edge.json /etc/neuropilot-edge/edge.json", final, StringComparison.Ordinal);
        Assert.Contains("CMD [\"run\", \"--config\", \"/etc/neuropilot-edge/edge.json\"]", final, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"/usr/local/bin/neuropilot-edge\"]", final, StringComparison.Ordinal);
        Assert.Contains("STOPSIGNAL SIGTERM", final, StringComparison.Ordinal);
    }

    [Fact]
    public void ExposedPortsAndHealthCheck_MatchTheListenersOfTheShippedConfig()
    {
        var text = File.ReadAllText(DockerfilePath);
        var config = JsonNode.Parse(StripComments(File.ReadAllText(ConfigPath)))!;
        var proxy = new Uri(config["Edge"]!["Listen"]![0]!.GetValue<string>());
        var admin = new Uri(config["Edge"]!["Admin"]!["Listen"]!.GetValue<string>());

        Assert.Equal("0.0.0.0", proxy.Host);
        Assert.Equal("0.0.0.0", admin.Host);
        Assert.Contains($"EXPOSE {proxy.Port} {admin.Port}", text, StringComparison.Ordinal);
        Assert.Contains($"\"--url\", \"http://127.0.0.1:{admin.Port}/healthz\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShippedConfig_PassesCheck()
    {
        var (exitCode, output) = await ChildProcess.RunToExitAsync(EdgeBinary.Path, ["check", "--config", ConfigPath], TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, output);
        Assert.Contains("valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputOutOfTheContext()
    {
        var ignore = File.ReadAllLines(RepoPaths.Deploy("container", "Dockerfile.dockerignore"));

        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
        Assert.Contains("artifacts/", ignore);
    }

    /// <summary>The image of the last FROM, its ARG defaults filled in.</summary>
    public static string FinalStageImage()
    {
        var text = File.ReadAllText(DockerfilePath);
        var from = Instruction().Matches(text).Last(m => m.Groups[1].Value == "FROM").Groups[2].Value.Split(' ')[0];
        foreach (Match arg in Argument().Matches(text))
        {
            from = from.Replace("${" + arg.Groups[1].Value + "}", arg.Groups[2].Value, StringComparison.Ordinal);
        }

        return from;
    }

    private static IEnumerable<string> CopySources(string text) =>
        Instruction().Matches(text)
            .Where(m => m.Groups[1].Value == "COPY" && !m.Groups[2].Value.StartsWith("--from", StringComparison.Ordinal))
            .SelectMany(m => m.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]);

    private static string StripComments(string json) =>
        string.Join('\n', json.Split('\n').Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));

    [GeneratedRegex(@"^(FROM|USER|COPY|RUN|ARG|CMD|ENTRYPOINT|EXPOSE|HEALTHCHECK)\s+(.*)$", RegexOptions.Multiline)]
    private static partial Regex Instruction();

    [GeneratedRegex(@"^ARG\s+([A-Z_]+)=(\S+)$", RegexOptions.Multiline)]
    private static partial Regex Argument();
}
