using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// The forwarding-engine test axis: with <c>NEUROPILOT_EDGE_TEST_ENGINE</c> set (<c>fast</c> or <c>yarp</c>), every
/// config an <see cref="EdgeProcess"/> writes gets that <c>Edge.Engine</c> unless the test set one itself, so the
/// same functional suite runs on both engines (<c>tests/run.sh</c> runs it once per engine).
/// </summary>
public static class EngineAxis
{
    public const string Variable = "NEUROPILOT_EDGE_TEST_ENGINE";

    /// <summary>The engine the axis asks for, or null (the config's own, else the product's default).</summary>
    public static string? Engine => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } engine ? engine : null;

    /// <summary>The config with the axis's engine in <c>Edge</c>; unchanged when no engine is asked for, the test sets one, or the text is not a JSON object with an <c>Edge</c> object (config error tests).</summary>
    public static string Apply(string configText)
    {
        if (Engine is not { } engine)
        {
            return configText;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(configText, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException)
        {
            return configText;
        }

        if (root is not JsonObject config || config["Edge"] is not JsonObject edge || edge.ContainsKey("Engine"))
        {
            return configText;
        }

        edge["Engine"] = engine;
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
