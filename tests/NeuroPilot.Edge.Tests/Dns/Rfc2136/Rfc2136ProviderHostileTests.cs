using System.Diagnostics;
using System.Net;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Dns.Rfc2136;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns.Rfc2136;

/// <summary>
/// The RFC 2136 provider against a hostile primary (<see cref="HostileDnsServer"/>, relaying to a real Knot when it
/// behaves): whatever comes back to a query or an UPDATE (a compression pointer loop, a truncated message, a wrong id,
/// a 65,535-byte TCP length prefix followed by nothing), the call fails with <see cref="DnsProviderException"/>
/// (<see cref="DnsProviderError.Unavailable"/>, so the reconciler backs off) within its timeout, and the provider
/// works again once the server does.
/// </summary>
public sealed class Rfc2136ProviderHostileTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private KnotServer _knot = null!;
    private HostileDnsServer _server = null!;
    private CapturingLogger<Rfc2136Provider> _log = null!;

    public async Task InitializeAsync()
    {
        _knot = await KnotServer.StartAsync(KnotServer.MinimalZoneText() + "api 60 A 198.51.100.10\n");
        _server = HostileDnsServer.Start(new IPEndPoint(IPAddress.Loopback, _knot.Port));
        _log = new CapturingLogger<Rfc2136Provider>(output.WriteLine);
    }

    public Task DisposeAsync()
    {
        _server?.Dispose();
        _knot?.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(DnsHostility.PointerLoop)]
    [InlineData(DnsHostility.Truncated)]
    [InlineData(DnsHostility.WrongId)]
    [InlineData(DnsHostility.HugeLengthPrefix)]
    public async Task Read_HostileAnswer_FailsAsUnavailable_ThenReadsAgainOnceTheServerBehaves(DnsHostility hostility)
    {
        using var provider = CreateProvider();
        _server.Mode = hostility;

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ReadAsync(["api.example.com"], CancellationToken.None));
        var failedAfter = clock.Elapsed;
        output.WriteLine($"{hostility}: {e.Kind} after {failedAfter.TotalMilliseconds:0} ms, {_server.Received} messages received: {e.Message}");

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.True(failedAfter < TimeSpan.FromSeconds(10), $"the read took {failedAfter.TotalSeconds:0.0} s to fail");

        _server.Mode = DnsHostility.None;
        var sets = await provider.ReadAsync(["api.example.com"], CancellationToken.None);
        Assert.Equal("api.example.com 60 A [198.51.100.10]", Assert.Single(sets).ToString());
    }

    [Theory]
    [InlineData(DnsHostility.PointerLoop)]
    [InlineData(DnsHostility.Truncated)]
    [InlineData(DnsHostility.WrongId)]
    [InlineData(DnsHostility.HugeLengthPrefix)]
    public async Task Apply_HostileAnswerToTheUpdate_FailsAsUnavailableAfterItsAttempts(DnsHostility hostility)
    {
        using var provider = CreateProvider();
        _server.Mode = hostility;

        var e = await Assert.ThrowsAsync<DnsProviderException>(() =>
            provider.ApplyAsync([new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"]))], CancellationToken.None));
        output.WriteLine($"{hostility}: {e.Kind} ({e.Code}), {_server.Received} messages received: {e.Message}");

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Equal(Rfc2136Provider.MaxAttempts, _server.Received);
    }

    private Rfc2136Provider CreateProvider()
    {
        var options = new Rfc2136Options
        {
            Server = _server.EndPoint,
            Zone = _knot.Zone,
            TsigKeyName = _knot.KeyName,
            TsigAlgorithm = _knot.Algorithm,
            Timeout = Timeout,
        };
        return new Rfc2136Provider(options, Convert.FromBase64String(_knot.Secret), TimeProvider.System, _log);
    }
}
