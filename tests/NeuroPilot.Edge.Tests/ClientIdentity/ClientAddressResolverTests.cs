using System.Diagnostics;
using System.Net;
using CsCheck;
using Microsoft.AspNetCore.Http;
using NeuroPilot.Edge.ClientIdentity;
using NeuroPilot.Edge.Configuration;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.ClientIdentity;

public sealed class ClientAddressResolverTests(ITestOutputHelper output)
{
    private static readonly IPNetwork[] Proxies = [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("2400:cb00::/32")];

    [Fact]
    public void Resolve_NoTrustedProxies_IsThePeerWhateverTheClientSays()
    {
        var context = Request("203.0.113.7", ("X-Forwarded-For", "6.6.6.6"));

        Assert.Equal(new ClientAddress("203.0.113.7", false), ClientAddressResolver.Untrusting.Resolve(context));
    }

    [Fact]
    public void Resolve_PeerNotTrusted_IsThePeer()
    {
        var context = Request("203.0.113.7", ("X-Forwarded-For", "6.6.6.6"));

        Assert.Equal(new ClientAddress("203.0.113.7", false), Resolver().Resolve(context));
    }

    [Theory]
    [InlineData("198.51.100.4", "198.51.100.4")]
    [InlineData("198.51.100.4, 10.1.1.1", "198.51.100.4")] // a second trusted hop is skipped
    [InlineData("6.6.6.6, 198.51.100.4", "198.51.100.4")] // what the client wrote at the left is not believed
    [InlineData("10.9.9.9, 10.1.1.1", "10.9.9.9")] // every hop trusted: the leftmost
    [InlineData("198.51.100.4:5123", "198.51.100.4")]
    [InlineData("[2001:db8::1]:443", "2001:db8::1")]
    [InlineData("6.6.6.6, not-an-address", "10.0.0.2")] // garbage stops the walk at the last trusted hop (the peer)
    [InlineData("", "10.0.0.2")]
    public void Resolve_TrustedPeerWithXForwardedFor_IsTheRightmostUntrustedAddress(string header, string expected)
    {
        var context = Request("10.0.0.2", ("X-Forwarded-For", header));

        Assert.Equal(new ClientAddress(expected, true), Resolver().Resolve(context));
    }

    [Fact]
    public void Resolve_XForwardedForOnSeveralLines_IsReadAsOneChain()
    {
        var context = Request("10.0.0.2", ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "198.51.100.4, 10.2.2.2"));

        Assert.Equal("198.51.100.4", Resolver().Resolve(context).Address);
    }

    [Theory]
    [InlineData("for=198.51.100.4;proto=https", "198.51.100.4")]
    [InlineData("for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17")]
    [InlineData("for=198.51.100.4, for=10.3.3.3;by=10.0.0.2", "198.51.100.4")]
    [InlineData("for=unknown", "10.0.0.2")]
    [InlineData("proto=https", "10.0.0.2")]
    public void Resolve_TrustedPeerWithForwarded_ReadsTheForParameters(string header, string expected)
    {
        var context = Request("10.0.0.2", ("Forwarded", header));

        Assert.Equal(expected, Resolver(ClientAddressHeader.Forwarded).Resolve(context).Address);
    }

    [Theory]
    [InlineData("198.51.100.4", "198.51.100.4")]
    [InlineData("garbage", "2400:cb00::9")]
    public void Resolve_TrustedPeerWithCfConnectingIp_TakesItWhenItIsAnAddress(string header, string expected)
    {
        var context = Request("2400:cb00::9", ("CF-Connecting-IP", header));

        Assert.Equal(new ClientAddress(expected, true), Resolver(ClientAddressHeader.CfConnectingIp).Resolve(context));
    }

    [Fact]
    public void Resolve_IPv4PeerOfADualStackListener_IsWrittenAsIPv4()
    {
        var context = Request("::ffff:203.0.113.7");

        Assert.Equal("203.0.113.7", ClientAddressResolver.Untrusting.Resolve(context).Address);
    }

    [Fact]
    public void Resolve_AnyHeaderFromATrustedPeer_NeverThrowsAndNamesThePeerOrAnAddressOfTheHeader()
    {
        var clock = Stopwatch.StartNew();
        var cases = 0;
        var piece = Gen.OneOf(
            Gen.Const("10.1.2.3"), Gen.Const("198.51.100.4"), Gen.Const("2001:db8::1"), Gen.Const("[::1]:80"),
            Gen.Const("for="), Gen.Const("\""), Gen.Const(","), Gen.Const(";"), Gen.Const(" "), Gen.Const(":"), Gen.Const("["),
            Gen.String[0, 12]);
        var resolvers = new[] { Resolver(), Resolver(ClientAddressHeader.Forwarded), Resolver(ClientAddressHeader.CfConnectingIp) };
        Gen.Select(piece.Array[0, 12], Gen.Int[0, 2]).Sample((pieces, which) =>
        {
            Interlocked.Increment(ref cases);
            var header = string.Concat(pieces);
            var resolver = resolvers[which];
            var client = resolver.Resolve(Request("10.0.0.2", (resolver.HeaderName, header)));
            Assert.True(client.FromTrustedProxy);
            Assert.NotNull(client.Address);
            Assert.True(client.Address == "10.0.0.2" || IPAddress.TryParse(client.Address, out _), client.Address);
        }, iter: 20_000);

        output.WriteLine($"{cases} random headers in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static ClientAddressResolver Resolver(ClientAddressHeader header = ClientAddressHeader.XForwardedFor) => new(Proxies, header);

    private static DefaultHttpContext Request(string peer, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        foreach (var group in headers.GroupBy(h => h.Name))
        {
            context.Request.Headers[group.Key] = group.Select(h => h.Value).ToArray();
        }

        return context;
    }
}
