using System.Text.Json;

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

        // The text is kept as the test wrote it (tests edit their config text later): the key goes in right after
        // the opening brace of Edge.
        var bytes = System.Text.Encoding.UTF8.GetBytes(configText);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        long edgeStart = -1;
        var edgeEmpty = false;
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("Edge"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    {
                        return configText;
                    }

                    edgeStart = reader.TokenStartIndex;
                    var depth = reader.CurrentDepth;
                    var members = 0;
                    while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
                    {
                        if (reader.CurrentDepth == depth + 1 && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            members++;
                            if (reader.ValueTextEquals("Engine"u8))
                            {
                                return configText; // the test chose its engine
                            }
                        }
                    }

                    edgeEmpty = members == 0;
                    break;
                }
            }
        }
        catch (JsonException)
        {
            return configText;
        }

        if (edgeStart < 0)
        {
            return configText;
        }

        var at = System.Text.Encoding.UTF8.GetCharCount(bytes, 0, (int)edgeStart + 1);
        return configText.Insert(at, edgeEmpty ? $" \"Engine\": \"{engine}\" " : $" \"Engine\": \"{engine}\",");
    }
}
