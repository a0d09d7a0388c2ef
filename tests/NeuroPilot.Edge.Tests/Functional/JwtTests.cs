using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using NeuroPilot.Edge.Tests.Authentication;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;
using static NeuroPilot.Edge.Tests.Authentication.TestTokens;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// JWT at the edge through the real binary to a real upstream: tokens of each algorithm pass with their claim
/// forwarded, bad ones get 401 and never reach the upstream, the JWKS file is watched (a new key works within 2 s, a
/// broken rewrite keeps the old keys), and <c>check</c> names a broken keys file.
/// </summary>
public sealed class JwtTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan KeyChangeBudget = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly string _directory = Directory.CreateTempSubdirectory("neuropilot-edge-jwt-").FullName;

    private string KeysFile => Path.Combine(_directory, "jwks.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string JwtSection(string more = "") => $$"""
        "Jwt": {
          "Issuer": "{{Issuer}}",
          "Audiences": ["{{Audience}}"],
          "KeysFile": "{{KeysFile}}",
          "AnonymousPaths": ["/public"],
          "ForwardClaims": { "sub": "X-User-Id" }{{more}}
        }
        """;

    private static long RealNow => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static string Invalid(string description) => $"Bearer error=\"invalid_token\", error_description=\"{description}\"";

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? token, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Get_TokensOfEachAlgorithm_ReachTheUpstreamAndBadTokensNeverDo()
    {
        var (ed, ec, rsa) = (TestSigningKey.Ed25519Key("ed-1"), TestSigningKey.Es256Key("ec-1"), TestSigningKey.Rs256Key("rsa-1"));
        File.WriteAllText(KeysFile, Jwks(ed, ec, rsa));
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        var upstream = upstreams["us-east"];
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All, serviceExtras: JwtSection()));
        using var client = edge.CreateClient();
        await upstream.RecordAsync(500);
        output.WriteLine(EdgeBinary.Describe());

        foreach (var key in new[] { ed, ec, rsa })
        {
            using var response = await GetAsync(client, "/headers", Create(key, ValidClaims(RealNow)), ("X-User-Id", "admin"));
            var body = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{key.Alg}: {(int)response.StatusCode}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("X-User-Id: user-42\n", body, StringComparison.Ordinal);
            Assert.DoesNotContain("admin", body, StringComparison.Ordinal);
        }

        var other = TestSigningKey.Es256Key("ec-1");
        (string Name, string? Token, string Reason, string Challenge)[] bad =
        [
            ("missing", null, "missing", "Bearer"),
            ("expired", Create(ec, ValidClaims(RealNow - 3600)), "expired", Invalid("token expired")),
            ("wrong-audience", Create(rsa, ValidClaims(RealNow).Replace("\"aud\":\"api\"", "\"aud\":\"billing\"", StringComparison.Ordinal)), "audience", Invalid("audience not accepted")),
            ("wrong-key", Create(other, ValidClaims(RealNow)), "signature", Invalid("invalid signature")),
            ("unknown-kid", Create(ec.WithKid("ec-9"), ValidClaims(RealNow)), "unknown_key", Invalid("unknown signing key")),
            ("alg-none", Unsigned("""{"alg":"none"}""", ValidClaims(RealNow)), "algorithm", Invalid("algorithm not accepted")),
            ("hs256-confusion", HmacWithPublicKey(rsa, ValidClaims(RealNow)), "algorithm", Invalid("algorithm not accepted")),
            ("garbage", "not-a-token", "malformed", Invalid("malformed token")),
            ("oversized", Create(ed, ValidClaims(RealNow, $"\"pad\":\"{new string('x', 9000)}\"")), "too_large", Invalid("token too large")),
        ];
        foreach (var (name, token, _, expected) in bad)
        {
            using var response = await GetAsync(client, $"/rejected/{name}", token);
            var challenge = response.Headers.WwwAuthenticate.ToString();
            output.WriteLine($"{name}: {(int)response.StatusCode} WWW-Authenticate: {challenge}");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(expected, challenge);
        }

        using (var anonymous = await GetAsync(client, "/public/logo.png", null, ("X-User-Id", "admin")))
        {
            Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        }

        var seen = (await upstream.GetStatsAsync()).Recent.Select(r => r.Target).Where(t => !t.StartsWith("/healthz", StringComparison.Ordinal)).ToList();
        output.WriteLine($"the upstream saw: {string.Join(", ", seen)}");
        Assert.Equal(["/headers", "/headers", "/headers", "/public/logo.png"], seen);

        var metrics = await edge.GetMetricsTextAsync();
        foreach (var reason in bad.Select(b => b.Reason).Distinct())
        {
            var expected = bad.Count(b => b.Reason == reason);
            Assert.Equal(expected, PrometheusText.Sum(metrics, "neuropilot_edge_auth_rejected_total", ("service", "api"), ("reason", reason)));
        }

        Assert.Equal(0, PrometheusText.Sum(metrics, "neuropilot_edge_retries_total") ?? 0);
        Assert.Equal(4, PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("service", "api")));
    }

    [Fact]
    public async Task KeysFile_RewrittenWithANewKey_NewTokensPassWithinTwoSecondsAndABrokenRewriteKeepsTheKeys()
    {
        var (old, rotated) = (TestSigningKey.Es256Key("2026-05"), TestSigningKey.Ed25519Key("2026-06"));
        File.WriteAllText(KeysFile, Jwks(old));
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All, serviceExtras: JwtSection()));
        using var client = edge.CreateClient();
        var (oldToken, newToken) = (Create(old, ValidClaims(RealNow)), Create(rotated, ValidClaims(RealNow)));
        async Task<HttpStatusCode> StatusOf(string token)
        {
            using var response = await GetAsync(client, "/orders", token);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await StatusOf(oldToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOf(newToken));

        // Rotation as a renewer does it: a new file renamed over the old one; the old key is retired.
        var rewritten = Stopwatch.StartNew();
        var temp = KeysFile + ".tmp";
        File.WriteAllText(temp, Jwks(rotated));
        File.Move(temp, KeysFile, overwrite: true);
        await Eventually.WaitUntilAsync(async () => await StatusOf(newToken) == HttpStatusCode.OK, Deadline, "a token of the new key passes");
        var took = rewritten.Elapsed;
        output.WriteLine($"new key accepted {took.TotalMilliseconds:0} ms after the rewrite");
        Assert.True(took <= KeyChangeBudget, $"the new key passed only {took.TotalMilliseconds:0} ms after the rewrite (budget {KeyChangeBudget.TotalMilliseconds} ms)");
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOf(oldToken));

        // A broken rewrite (truncated, in place): logged with the path, counted, and the keys in use stay.
        File.WriteAllText(KeysFile, Jwks(rotated)[..40]);
        await edge.Output.WaitForStderrAsync($"JWT keys {KeysFile} rejected", Deadline);
        output.WriteLine(string.Join('\n', edge.Output.StderrLines.Where(l => l.Contains("JWT keys", StringComparison.Ordinal))));
        Assert.Equal(HttpStatusCode.OK, await StatusOf(newToken));
        var metrics = await edge.GetMetricsTextAsync();
        Assert.Equal(1, PrometheusText.Sum(metrics, "neuropilot_edge_jwt_keys_reloads_total", ("result", "rejected")));
        Assert.Equal(2, PrometheusText.Sum(metrics, "neuropilot_edge_jwt_keys_reloads_total", ("result", "applied")));
    }

    [Fact]
    public async Task Check_KeysFileWithoutAUsableKey_ExitsTwoNamingTheKeyAndTheFile()
    {
        File.WriteAllText(KeysFile, Jwks(TestSigningKey.Rs256Key("small", 1024)));
        var config = Path.Combine(_directory, "edge.json");
        File.WriteAllText(config, $$"""
            {
              "Edge": { "Listen": ["http://127.0.0.1:8080"], "Admin": { "Listen": "http://127.0.0.1:9901" } },
              "Services": {
                "api": {
                  "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] } ],
                  {{JwtSection()}}
                }
              }
            }
            """);

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", config);

        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith($"{config}: Services.api.Jwt.KeysFile: \"{KeysFile}\" has no usable key for Algorithms EdDSA, ES256, RS256", line, StringComparison.Ordinal);
        Assert.Contains("1024-bit RSA key", line, StringComparison.Ordinal);
    }
}
