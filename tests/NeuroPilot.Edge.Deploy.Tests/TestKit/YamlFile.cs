using System.Text.Json.Nodes;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>
/// Parses YAML (every document of a file) with python3's PyYAML and hands it over as JSON: a real YAML parser, so a
/// syntax error fails the test with the parser's own message.
/// </summary>
public static class YamlFile
{
    private const string Script =
        "import json, sys, yaml\n" +
        "print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1], encoding='utf-8')) if d is not None]))\n";

    private static readonly Lazy<string> Python = new(FindPython);

    public static async Task<IReadOnlyList<JsonObject>> LoadAllAsync(string path)
    {
        var (exitCode, output) = await ChildProcess.RunToExitAsync(Python.Value, ["-c", Script, path], TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"{path} is not valid YAML:\n{output}");
        var documents = JsonNode.Parse(output)!.AsArray();
        return [.. documents.Select(d => d!.AsObject())];
    }

    private static string FindPython()
    {
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                var (exitCode, _) = ChildProcess.RunToExitAsync(candidate, ["-c", "import yaml"], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
                if (exitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under that name.
            }
        }

        throw new InvalidOperationException("no python3 with the yaml module: apt-get install python3-yaml");
    }
}
