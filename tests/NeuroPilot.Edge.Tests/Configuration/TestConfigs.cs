using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Hosting;

namespace NeuroPilot.Edge.Tests.Configuration;

/// <summary>
/// Config texts for tests: the README's minimal file, and a valid config with one service "api" into which a test
/// puts the one thing it wants to get wrong. Inserted members end with a comma (trailing commas are allowed).
/// </summary>
internal static class TestConfigs
{
    /// <summary>The README's minimal config, copied as is: it is the user-facing contract.</summary>
    public const string DesignMinimal = """
        {
          "Edge":  { "Listen": ["http://127.0.0.1:8080"], "Admin": { "Listen": "http://127.0.0.1:9901" } },
          "Services": {
            "api": {
              "Regions": [
                { "Name": "us-east",  "Destinations": ["http://127.0.0.1:9001"] },
                { "Name": "eu-west",  "Destinations": ["http://127.0.0.1:9002"] },
                { "Name": "ap-south", "Destinations": ["http://127.0.0.1:9003"] }
              ],
              "HealthCheck": { "Path": "/healthz", "Interval": "00:00:10", "Timeout": "00:00:02" }
            }
          }
        }
        """;

    public const string OneRegion = """[ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] } ]""";

    /// <summary>
    /// A valid config unless a part says otherwise: <paramref name="edge"/> is the whole value of <c>Edge</c>,
    /// <paramref name="api"/> members of the service <c>api</c>, <paramref name="regions"/> the whole value of its
    /// <c>Regions</c>, <paramref name="services"/> further services, <paramref name="root"/> further root members.
    /// </summary>
    public static string Config(string edge = "{}", string api = "", string regions = OneRegion, string services = "", string root = "") => $$"""
        {
          {{root}}
          "Edge": {{edge}},
          "Services": {
            "api": {
              {{api}}
              "Regions": {{regions}},
            },
            {{services}}
          },
        }
        """;

    /// <summary>Every error the loader reports for <paramref name="json"/>; fails the test when it loads.</summary>
    /// <summary>Every problem loading <paramref name="json"/> reports, with the features' checks, as <c>check</c> and a reload see them.</summary>
    public static IReadOnlyList<ConfigError> ErrorsOf(string json) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(json, EdgeConfigChecks.All)).Errors;

    /// <summary>Asserts that loading reports exactly one error, at <paramref name="path"/>, whose message contains <paramref name="message"/>.</summary>
    public static ConfigError AssertSingleError(string json, string path, string message)
    {
        var error = Assert.Single(ErrorsOf(json));
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        return error;
    }

    /// <summary>Asserts that loading reports, among others, an error at <paramref name="path"/> whose message contains <paramref name="message"/>.</summary>
    public static void AssertHasError(string json, string path, string message) =>
        Assert.Contains(ErrorsOf(json), e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
}
