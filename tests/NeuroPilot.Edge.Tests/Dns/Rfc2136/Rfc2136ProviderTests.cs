using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Dns.Rfc2136;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns.Rfc2136;

/// <summary>
/// The RFC 2136 provider against a real Knot DNS server on loopback: reads from its authoritative data, TSIG-signed
/// conditional UPDATEs, the served-answer check, and each failure the reconciler must tell apart.
/// </summary>
public sealed class Rfc2136ProviderTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ZoneText = """
        $ORIGIN example.com.
        $TTL 60
        @      SOA   ns1.example.com. hostmaster.example.com. 1 3600 600 86400 60
        @      NS    ns1.example.com.
        ns1    A     127.0.0.1
        api    120   A     198.51.100.20
        api    120   A     198.51.100.10
        api    AAAA  2001:DB8::10
        api    TXT   "heritage=neuropilot-edge,owner=edge-fleet-1"
        www    300   CNAME API.example.com.
        long   TXT   "part one, " "part two"

        """;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private KnotServer _knot = null!;
    private CapturingLogger<Rfc2136Provider> _logger = null!;

    public async Task InitializeAsync()
    {
        _knot = await KnotServer.StartAsync(ZoneText);
        _logger = new CapturingLogger<Rfc2136Provider>(output.WriteLine);
    }

    public Task DisposeAsync()
    {
        output.WriteLine($"knotd output:\n{_knot?.Output.Tail(20)}");
        _knot?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Read_ReturnsEachSetAtTheNames_AndNothingForOtherNames()
    {
        using var provider = CreateProvider();

        var sets = await provider.ReadAsync(["API.example.com.", "www.example.com", "long.example.com", "missing.example.com", "ns1.example.com"], CancellationToken.None);

        Assert.Equal(
            [
                "api.example.com 120 A [198.51.100.10, 198.51.100.20]",
                "api.example.com 60 AAAA [2001:db8::10]",
                "api.example.com 60 TXT [heritage=neuropilot-edge,owner=edge-fleet-1]",
                "long.example.com 60 TXT [part one, part two]",
                "ns1.example.com 60 A [127.0.0.1]",
                "www.example.com 300 CNAME [api.example.com]",
            ],
            sets.Select(s => s.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Apply_Create_IsServedAndReportsWhenItWas()
    {
        using var provider = CreateProvider();
        var after = new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30", "198.51.100.31"]);

        var result = await provider.ApplyAsync([new DnsChange(null, after)], CancellationToken.None);

        output.WriteLine($"requests {result.Requests}, served after {result.ServedAfter?.TotalMilliseconds:0.###} ms");
        Assert.NotNull(result.ServedAfter);
        Assert.InRange(result.ServedAfter.Value, TimeSpan.Zero, Bound);
        Assert.True(result.Requests >= 2, "the UPDATE and at least one query");
        Assert.Equal("198.51.100.30\n198.51.100.31", SortedLines(await _knot.DigAsync("new.example.com", "A")));
        Assert.Contains(_logger.Lines, e => e.Id.Id == 5200);
    }

    [Fact]
    public async Task Apply_Update_ReplacesTheValuesAndTtl()
    {
        using var provider = CreateProvider();
        var before = await ReadSetAsync(provider, "api.example.com", DnsRecordType.A);
        var after = new DnsRecordSet("api.example.com", DnsRecordType.A, 30, ["203.0.113.7"]);

        var result = await provider.ApplyAsync([new DnsChange(before, after)], CancellationToken.None);

        output.WriteLine($"requests {result.Requests}, served after {result.ServedAfter?.TotalMilliseconds:0.###} ms");
        Assert.NotNull(result.ServedAfter);
        var read = await ReadSetAsync(provider, "api.example.com", DnsRecordType.A);
        Assert.True(read!.SameContent(after), read.ToString());
        Assert.Equal("203.0.113.7", await _knot.DigAsync("api.example.com", "A"));
    }

    [Fact]
    public async Task Apply_Delete_RemovesTheSetAndNothingElseAtTheName()
    {
        using var provider = CreateProvider();
        var before = await ReadSetAsync(provider, "api.example.com", DnsRecordType.A);

        var result = await provider.ApplyAsync([new DnsChange(before, null)], CancellationToken.None);

        Assert.NotNull(result.ServedAfter);
        Assert.Equal("", await _knot.DigAsync("api.example.com", "A"));
        Assert.Equal("2001:db8::10", await _knot.DigAsync("api.example.com", "AAAA"));
        Assert.NotEmpty(await _knot.DigAsync("api.example.com", "TXT"));
    }

    [Fact]
    public async Task Apply_WrittenSetsOfEveryType_ReadBackAsTheSameContent()
    {
        using var provider = CreateProvider();
        var longText = "heritage=neuropilot-edge,owner=edge-fleet-1," + new string('x', 300);
        DnsRecordSet[] sets =
        [
            new("multi.example.com", DnsRecordType.A, 45, ["192.0.2.2", "192.0.2.1"]),
            new("multi.example.com", DnsRecordType.AAAA, 45, ["2001:db8::1", "2001:db8::1:0:0:2"]),
            new("multi.example.com", DnsRecordType.TXT, 45, [longText, "second marker"]),
            new("alias.example.com", DnsRecordType.CNAME, 90, ["multi.example.com"]),
        ];

        var result = await provider.ApplyAsync([.. sets.Select(s => new DnsChange(null, s))], CancellationToken.None);
        var read = await provider.ReadAsync(["multi.example.com", "alias.example.com"], CancellationToken.None);

        output.WriteLine($"requests {result.Requests}, served after {result.ServedAfter?.TotalMilliseconds:0.###} ms");
        Assert.NotNull(result.ServedAfter);
        Assert.Equal(sets.Length, read.Count);
        foreach (var set in sets)
        {
            Assert.Contains(read, r => r.SameContent(set));
        }
    }

    [Fact]
    public async Task Apply_AcceptedButNeverServed_ReturnsServedAfterNullAndWarns()
    {
        // RFC 2136 3.4.2.2: a CNAME added at a name that holds other data is silently ignored, the UPDATE succeeds.
        using var provider = CreateProvider(servedCheckBound: TimeSpan.FromMilliseconds(500));
        var stopwatch = Stopwatch.StartNew();

        var result = await provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("api.example.com", DnsRecordType.CNAME, 60, ["www.example.com"]))], CancellationToken.None);

        output.WriteLine($"requests {result.Requests} in {stopwatch.ElapsedMilliseconds} ms");
        Assert.Null(result.ServedAfter);
        Assert.InRange(result.Requests, 3, 20);
        Assert.Contains(_logger.Lines, e => e.Id.Id == 5203 && e.Level == LogLevel.Warning);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(_logger.Lines, e => e.Id.Id == 5200);
    }

    [Fact]
    public async Task Apply_SetChangedByAnotherWriterSinceTheRead_FailsWithStateChangedAndKeepsTheirValues()
    {
        using var provider = CreateProvider();
        var before = await ReadSetAsync(provider, "api.example.com", DnsRecordType.A);
        var foreign = await _knot.NsUpdateAsync("update delete api.example.com. A\nupdate add api.example.com. 120 A 203.0.113.99");
        Assert.Equal(0, foreign.ExitCode);
        var after = new DnsRecordSet("api.example.com", DnsRecordType.A, 60, ["198.51.100.30"]);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync([new DnsChange(before, after)], CancellationToken.None));

        output.WriteLine(e.ToString());
        Assert.Equal(DnsProviderError.StateChanged, e.Kind);
        Assert.Equal("NXRRSET", e.Code);
        Assert.Equal("rfc2136", e.Provider);
        Assert.Equal("203.0.113.99", await _knot.DigAsync("api.example.com", "A"));
    }

    [Fact]
    public async Task Apply_CreateOfASetSomeoneElseCreatedMeanwhile_FailsWithStateChanged()
    {
        using var provider = CreateProvider();
        Assert.Empty(await provider.ReadAsync(["new.example.com"], CancellationToken.None));
        Assert.Equal(0, (await _knot.NsUpdateAsync("update add new.example.com. 60 A 203.0.113.5")).ExitCode);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"]))], CancellationToken.None));

        Assert.Equal(DnsProviderError.StateChanged, e.Kind);
        Assert.Equal("YXRRSET", e.Code);
        Assert.Equal("203.0.113.5", await _knot.DigAsync("new.example.com", "A"));
    }

    [Fact]
    public async Task Apply_OneStaleChangeAmongSeveral_AppliesNoneOfThem()
    {
        using var provider = CreateProvider();
        var apiBefore = await ReadSetAsync(provider, "api.example.com", DnsRecordType.A);
        var wwwBefore = await ReadSetAsync(provider, "www.example.com", DnsRecordType.CNAME);
        Assert.Equal(0, (await _knot.NsUpdateAsync("update delete www.example.com. CNAME\nupdate add www.example.com. 300 CNAME ns1.example.com.")).ExitCode);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [
                new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"])),
                new DnsChange(apiBefore, new DnsRecordSet("api.example.com", DnsRecordType.A, 60, ["198.51.100.40"])),
                new DnsChange(wwwBefore, null),
            ],
            CancellationToken.None));

        Assert.Equal(DnsProviderError.StateChanged, e.Kind);
        Assert.Equal("", await _knot.DigAsync("new.example.com", "A"));
        Assert.Equal("198.51.100.10\n198.51.100.20", SortedLines(await _knot.DigAsync("api.example.com", "A")));
        Assert.Equal("ns1.example.com.", await _knot.DigAsync("www.example.com", "CNAME"));
    }

    [Fact]
    public async Task Apply_WrongSecret_IsUnauthorizedBadSig_AndNeverShowsASecret()
    {
        var wrongSecret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        using var provider = CreateProvider(secret: wrongSecret);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"]))], CancellationToken.None));

        output.WriteLine(e.ToString());
        Assert.Equal(DnsProviderError.Unauthorized, e.Kind);
        Assert.Equal("BADSIG", e.Code);
        foreach (var text in new[] { e.ToString(), _logger.All })
        {
            Assert.DoesNotContain(Convert.ToBase64String(wrongSecret), text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(wrongSecret), text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(_knot.Secret, text, StringComparison.Ordinal);
        }

        Assert.Equal("", await _knot.DigAsync("new.example.com", "A"));
    }

    [Fact]
    public async Task Apply_KeyUnknownToTheServer_IsUnauthorizedBadKey()
    {
        using var provider = CreateProvider(keyName: "other-key");

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"]))], CancellationToken.None));

        Assert.Equal(DnsProviderError.Unauthorized, e.Kind);
        Assert.Equal("BADKEY", e.Code);
    }

    [Fact]
    public async Task Apply_ClockAnHourOff_IsUnauthorizedBadTime()
    {
        var skewed = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1));
        using var provider = CreateProvider(time: skewed);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"]))], CancellationToken.None));

        Assert.Equal(DnsProviderError.Unauthorized, e.Kind);
        Assert.Equal("BADTIME", e.Code);
        Assert.Equal("", await _knot.DigAsync("new.example.com", "A"));
    }

    [Fact]
    public async Task Apply_NothingListening_IsUnavailableAfterThreeAttempts()
    {
        using var provider = CreateProvider(server: new IPEndPoint(IPAddress.Loopback, FreePorts.Next()));
        var stopwatch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"]))], CancellationToken.None));

        output.WriteLine($"{e.Message} after {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Equal(2, _logger.Lines.Count(entry => entry.Id.Id == 5201));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, Bound);
    }

    [Fact]
    public async Task Apply_ServerThatNeverAnswers_IsUnavailableAfterThreeTimeouts()
    {
        // Handshakes complete into the backlog and nothing is ever read: a hung server.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var timeout = TimeSpan.FromMilliseconds(300);
        using var provider = CreateProvider(server: (IPEndPoint)listener.LocalEndPoint!, timeout: timeout);
        var stopwatch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"]))], CancellationToken.None));

        output.WriteLine($"{e.Message} after {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Equal("TIMEOUT", e.Code);
        Assert.InRange(stopwatch.Elapsed, 3 * timeout, (3 * timeout) + Rfc2136Provider.BackoffCap + Rfc2136Provider.BackoffCap);
    }

    [Fact]
    public async Task Apply_AnswerLostAfterTheServerApplied_RetryFindsThePlanServedAndSucceeds()
    {
        using var relay = await AnswerDroppingRelay.StartAsync(new IPEndPoint(IPAddress.Loopback, _knot.Port), dropFirst: 1);
        using var provider = CreateProvider(server: relay.EndPoint);
        var before = await ReadSetAsync(provider, "api.example.com", DnsRecordType.A);
        var after = new DnsRecordSet("api.example.com", DnsRecordType.A, 60, ["198.51.100.40"]);

        var result = await provider.ApplyAsync([new DnsChange(before, after)], CancellationToken.None);

        output.WriteLine($"requests {result.Requests}");
        Assert.Equal(2, relay.Forwarded);
        Assert.Equal(3, result.Requests); // the lost UPDATE, the retry (NXRRSET: already applied), one query
        Assert.Contains(_logger.Lines, e => e.Id.Id == 5204);
        Assert.Equal("198.51.100.40", await _knot.DigAsync("api.example.com", "A"));
    }

    [Fact]
    public async Task Read_ServerDown_IsUnavailable()
    {
        using var provider = CreateProvider(server: new IPEndPoint(IPAddress.Loopback, FreePorts.Next()), timeout: TimeSpan.FromMilliseconds(300));

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ReadAsync(["api.example.com"], CancellationToken.None));

        output.WriteLine(e.ToString());
        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
    }

    [Fact]
    public async Task Apply_NameOutsideTheZone_IsRejectedAndNothingIsSent()
    {
        using var provider = CreateProvider();

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("api.example.org", DnsRecordType.A, 60, ["198.51.100.30"]))], CancellationToken.None));

        Assert.Equal(DnsProviderError.Rejected, e.Kind);
        Assert.Equal("NOTZONE", e.Code);
        Assert.DoesNotContain("DDNS", _knot.Output.Tail(50), StringComparison.Ordinal);
        Assert.StartsWith("ns1.example.com. hostmaster.example.com. 1 ", await _knot.DigAsync("example.com", "SOA"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ValueThatIsNotAnAddress_IsRejected()
    {
        using var provider = CreateProvider();

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["2001:db8::1"]))], CancellationToken.None));

        Assert.Equal(DnsProviderError.Rejected, e.Kind);
    }

    [Fact]
    public async Task Apply_CancelledToken_ThrowsOperationCanceled()
    {
        using var provider = CreateProvider();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("new.example.com", DnsRecordType.A, 60, ["198.51.100.30"]))], cancelled.Token));
        Assert.Equal("", await _knot.DigAsync("new.example.com", "A"));
    }

    [Fact]
    public async Task Apply_WithAnHmacSha512Key_IsAcceptedAndServed()
    {
        using var knot = await KnotServer.StartAsync(algorithm: "hmac-sha512");
        using var provider = CreateProvider(knot);

        var result = await provider.ApplyAsync(
            [new DnsChange(null, new DnsRecordSet("api.example.com", DnsRecordType.A, 60, ["198.51.100.10"]))], CancellationToken.None);

        output.WriteLine($"requests {result.Requests}, served after {result.ServedAfter?.TotalMilliseconds:0.###} ms");
        Assert.NotNull(result.ServedAfter);
        Assert.Equal("198.51.100.10", await knot.DigAsync("api.example.com", "A"));
    }

    private Rfc2136Provider CreateProvider(
        KnotServer? knot = null,
        byte[]? secret = null,
        string? keyName = null,
        IPEndPoint? server = null,
        TimeSpan? timeout = null,
        TimeProvider? time = null,
        TimeSpan? servedCheckBound = null)
    {
        knot ??= _knot;
        var options = new Rfc2136Options
        {
            Server = server ?? new IPEndPoint(IPAddress.Loopback, knot.Port),
            Zone = knot.Zone,
            TsigKeyName = keyName ?? knot.KeyName,
            TsigAlgorithm = knot.Algorithm,
            Timeout = timeout ?? TimeSpan.FromSeconds(2),
        };
        return new Rfc2136Provider(options, secret ?? Convert.FromBase64String(knot.Secret), time ?? TimeProvider.System, _logger)
        {
            ServedCheckBound = servedCheckBound ?? Rfc2136Provider.DefaultServedCheckBound,
        };
    }

    /// <summary>
    /// A relay in front of the real server. Over TCP it forwards each request and, for the first <c>dropFirst</c>
    /// connections, closes the connection instead of returning the answer: an answer lost on the way. Over UDP (the
    /// provider's queries) it passes everything through.
    /// </summary>
    private sealed class AnswerDroppingRelay : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly UdpClient _udp;
        private readonly IPEndPoint _server;
        private readonly CancellationTokenSource _stop = new();
        private int _toDrop;
        private int _forwarded;

        private AnswerDroppingRelay(IPEndPoint server, int dropFirst)
        {
            _server = server;
            _toDrop = dropFirst;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _udp = new UdpClient(EndPoint);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public int Forwarded => Volatile.Read(ref _forwarded);

        public static Task<AnswerDroppingRelay> StartAsync(IPEndPoint server, int dropFirst)
        {
            var relay = new AnswerDroppingRelay(server, dropFirst);
            _ = relay.AcceptLoopAsync();
            _ = relay.UdpLoopAsync();
            return Task.FromResult(relay);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _udp.Dispose();
            _stop.Dispose();
        }

        private async Task AcceptLoopAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var stream = client.GetStream();
                    var request = await ReadFrameAsync(stream, _stop.Token);
                    using var upstream = new TcpClient();
                    await upstream.ConnectAsync(_server, _stop.Token);
                    var upstreamStream = upstream.GetStream();
                    await upstreamStream.WriteAsync(request, _stop.Token);
                    var answer = await ReadFrameAsync(upstreamStream, _stop.Token);
                    Interlocked.Increment(ref _forwarded);
                    if (Interlocked.Decrement(ref _toDrop) < 0)
                    {
                        await stream.WriteAsync(answer, _stop.Token);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                // Stopped.
            }
        }

        private async Task UdpLoopAsync()
        {
            try
            {
                while (true)
                {
                    var query = await _udp.ReceiveAsync(_stop.Token);
                    using var upstream = new UdpClient(AddressFamily.InterNetwork);
                    await upstream.SendAsync(query.Buffer, _server, _stop.Token);
                    var answer = await upstream.ReceiveAsync(_stop.Token);
                    await _udp.SendAsync(answer.Buffer, query.RemoteEndPoint, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Stopped.
            }
        }

        /// <summary>One length-prefixed DNS message, prefix included.</summary>
        private static async Task<byte[]> ReadFrameAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            var prefix = new byte[2];
            await stream.ReadExactlyAsync(prefix, cancellationToken);
            var frame = new byte[2 + ((prefix[0] << 8) | prefix[1])];
            prefix.CopyTo(frame, 0);
            await stream.ReadExactlyAsync(frame.AsMemory(2), cancellationToken);
            return frame;
        }
    }

    private static async Task<DnsRecordSet?> ReadSetAsync(Rfc2136Provider provider, string name, DnsRecordType type) =>
        (await provider.ReadAsync([name], CancellationToken.None)).SingleOrDefault(s => s.Type == type);

    private static string SortedLines(string text) =>
        string.Join("\n", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
}
