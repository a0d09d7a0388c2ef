using System.Net;
using DnsClient;
using DnsClient.Protocol;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>
/// The test kit's real Knot DNS server: it serves its zone on a loopback port and takes TSIG-signed dynamic updates
/// with its key only. These tests fail (they do not skip) when knotd is not installed.
/// </summary>
public sealed class KnotServerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private KnotServer _knot = null!;

    public async Task InitializeAsync() => _knot = await KnotServer.StartAsync();

    public Task DisposeAsync()
    {
        output.WriteLine($"knotd output:\n{_knot?.Output.Tail(30)}");
        _knot?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Start_ServesTheZoneSoaOnItsLoopbackPort()
    {
        var answer = await CreateLookup().QueryAsync("example.com", QueryType.SOA);

        Assert.False(answer.HasError, answer.ErrorMessage);
        var soa = Assert.Single(answer.Answers.SoaRecords());
        Assert.Equal("ns1.example.com.", soa.MName.Value);
        Assert.True(answer.Header.HasAuthorityAnswer);
    }

    [Fact]
    public async Task NsUpdate_WithTheFixtureKey_AddsAnARecordThatDnsClientSees()
    {
        Assert.Empty((await CreateLookup().QueryAsync("api.example.com", QueryType.A)).Answers.ARecords());

        var result = await _knot.NsUpdateAsync("update add api.example.com. 60 A 198.51.100.10");

        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        await Eventually.WaitUntilAsync(
            async () => (await CreateLookup().QueryAsync("api.example.com", QueryType.A)).Answers.ARecords()
                .Any(a => a.Address.Equals(IPAddress.Parse("198.51.100.10"))),
            Deadline,
            "DnsClient sees api.example.com A 198.51.100.10");
        var record = Assert.Single((await CreateLookup().QueryAsync("api.example.com", QueryType.A)).Answers.ARecords());
        Assert.Equal(60, record.InitialTimeToLive);
    }

    [Fact]
    public async Task NsUpdate_WithAWrongKey_IsRefusedAndChangesNothing()
    {
        var wrongSecret = Convert.ToBase64String(new byte[32]);

        var wrongSecretResult = await _knot.NsUpdateAsync("update add api.example.com. 60 A 198.51.100.66", secret: wrongSecret);
        var wrongNameResult = await _knot.NsUpdateAsync("update add api.example.com. 60 A 198.51.100.67", keyName: "other-key");

        output.WriteLine(wrongSecretResult.ToString());
        output.WriteLine(wrongNameResult.ToString());
        Assert.NotEqual(0, wrongSecretResult.ExitCode);
        Assert.NotEqual(0, wrongNameResult.ExitCode);
        // Knot answers NOTAUTH with the TSIG error: BADSIG for a wrong secret, BADKEY for an unknown key name.
        Assert.Contains("BADSIG", wrongSecretResult.Output, StringComparison.Ordinal);
        Assert.Contains("BADKEY", wrongNameResult.Output, StringComparison.Ordinal);
        Assert.Empty((await CreateLookup().QueryAsync("api.example.com", QueryType.A)).Answers.ARecords());
        Assert.Equal("", await _knot.DigAsync("api.example.com", "A"));
    }

    private LookupClient CreateLookup() => new(new LookupClientOptions(new NameServer(IPAddress.Loopback, _knot.Port))
    {
        UseCache = false,
        Timeout = TimeSpan.FromSeconds(2),
        Retries = 1,
    });
}
