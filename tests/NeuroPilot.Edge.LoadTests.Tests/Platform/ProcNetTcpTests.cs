using System.Diagnostics;
using System.Net;
using CsCheck;
using NeuroPilot.Edge.LoadTests.Platform;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.LoadTests.Tests.Platform;

public sealed class ProcNetTcpTests(ITestOutputHelper output)
{
    private const string Ipv4Listen =
        "   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2661626 1 0000000045ebef20 100 0 0 10 0";

    private const string Ipv6Established =
        "   0: 0000000000000000FFFF00000100007F:E368 0000000000000000FFFF00000100007F:B64B 01 00000000:00000000 03:0000040F 00000000     0        0 31337 3 0000000025daaf07";

    private const string Ipv6LoopbackListen =
        "   2: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0";

    [Fact]
    public void ParseLine_Ipv4ListenRow_ReadsLoopbackAddressPortStateAndInode()
    {
        var entry = ProcNetTcp.ParseLine(Ipv4Listen);

        Assert.Equal(new TcpSocketEntry(IPAddress.Loopback, 8080, TcpSocketEntry.ListenState, 2661626), entry);
        Assert.True(entry!.Value.IsListening);
    }

    [Fact]
    public void ParseLine_Ipv6Rows_ReadLoopbackAndIpv4MappedAddresses()
    {
        var loopback = ProcNetTcp.ParseLine(Ipv6LoopbackListen);
        var mapped = ProcNetTcp.ParseLine(Ipv6Established);

        Assert.Equal(new TcpSocketEntry(IPAddress.IPv6Loopback, 80, TcpSocketEntry.ListenState, 4242), loopback);
        Assert.Equal(IPAddress.Parse("::ffff:127.0.0.1"), mapped!.Value.LocalAddress);
        Assert.Equal(0xE368, mapped.Value.LocalPort);
        Assert.False(mapped.Value.IsListening);
    }

    [Theory]
    [InlineData("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")]
    [InlineData("")]
    [InlineData("   1: 0100007F:1F90 00000000:0000 0A")]
    [InlineData("   1: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2661626 1")]
    [InlineData("   1: 0100007F:11F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2661626 1")]
    [InlineData("   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 -5 1")]
    public void ParseLine_HeaderOrMalformedRow_IsNull(string line)
    {
        Assert.Null(ProcNetTcp.ParseLine(line));
    }

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1", 8080, true)]
    [InlineData("::", "127.0.0.1", 8080, true)]
    [InlineData("127.0.0.1", "127.0.0.1", 8080, true)]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1", 8080, true)]
    [InlineData("127.0.0.2", "127.0.0.1", 8080, false)]
    [InlineData("0.0.0.0", "127.0.0.1", 8081, false)]
    public void Accepts_ListeningSocket_TakesItsAddressTheWildcardOrTheMappedForm(string local, string target, int port, bool accepts)
    {
        var entry = new TcpSocketEntry(IPAddress.Parse(local), 8080, TcpSocketEntry.ListenState, 1);

        Assert.Equal(accepts, entry.Accepts(IPAddress.Parse(target), port));
    }

    [Fact]
    public void ReadAll_ThisMachine_ListsAListeningSocketOfThisProcess()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.Contains(ProcNetTcp.ReadAll(), e => e.IsListening && e.LocalPort == port && e.LocalAddress.Equals(IPAddress.Loopback) && e.Inode > 0);
    }

    [Fact]
    public async Task ParseLine_RandomAndMutatedLines_NeverThrow()
    {
        var characters = Gen.Char["0123456789ABCDEFabcdef: \t-xyz()[]\u00e9\0"];
        var random = characters.Array[0, 200].Select(c => new string(c));
        var rows = new[] { Ipv4Listen, Ipv6Established, Ipv6LoopbackListen };
        var mutated = Gen.Select(Gen.Int[0, rows.Length - 1], Gen.Int[0, 200], Gen.Int[0, 40], characters.Array[0, 8])
            .Select((row, at, cut, insert) =>
            {
                var line = rows[row];
                var start = Math.Min(at, line.Length);
                var end = Math.Min(line.Length, start + cut);
                return string.Concat(line.AsSpan(0, start), new string(insert), line.AsSpan(end));
            });
        const long iter = 200_000;
        var cases = 0L;
        var parsed = 0L;
        var clock = Stopwatch.StartNew();
        await Task.Run(() => Gen.OneOf(random, mutated).Sample(line =>
        {
            Interlocked.Increment(ref cases);
            if (ProcNetTcp.ParseLine(line) is not null)
            {
                Interlocked.Increment(ref parsed);
            }
        }, iter: iter, threads: 1)).WaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine($"ParseLine: {cases:N0} cases in {clock.Elapsed.TotalSeconds:0.00} s, none threw, {parsed:N0} parsed as rows");
        Assert.Equal(iter, cases);
    }
}
