using NeuroPilot.Edge.Tls;

namespace NeuroPilot.Edge.Tests.Tls;

public class SniSelectorTests
{
    // 0: the default (api.example.com), 1: a wildcard, 2: www exact, 3: a wildcard below another label.
    private static readonly SniSelector Selector = new(
    [
        ["api.example.com"],
        ["*.example.com", "example.com"],
        ["www.example.com"],
        ["*.eu.example.com"],
    ]);

    [Theory]
    [InlineData("api.example.com", 0)]
    [InlineData("www.example.com", 2)]
    [InlineData("example.com", 1)]
    [InlineData("WWW.Example.COM", 2)]
    public void Select_ExactName_PicksTheCertificateThatCarriesIt(string serverName, int expected) =>
        Assert.Equal(expected, Selector.Select(serverName));

    [Theory]
    [InlineData("shop.example.com", 1)]
    [InlineData("a.eu.example.com", 3)]
    [InlineData("SHOP.EXAMPLE.COM", 1)]
    public void Select_OneLabelBelowAWildcard_PicksTheWildcardCertificate(string serverName, int expected) =>
        Assert.Equal(expected, Selector.Select(serverName));

    [Theory]
    [InlineData("a.b.c.example.com")] // a wildcard covers exactly one label
    [InlineData("other.test")]
    [InlineData(".example.com")] // an empty first label
    [InlineData("")]
    [InlineData(null)] // no SNI sent (an IP address URL)
    public void Select_NothingMatches_PicksTheFirstCertificate(string? serverName) =>
        Assert.Equal(0, Selector.Select(serverName));

    [Fact]
    public void Select_ExactNameOfALaterCertificate_WinsOverAnEarlierWildcard()
    {
        var selector = new SniSelector([["*.example.com"], ["api.example.com"]]);

        Assert.Equal(1, selector.Select("api.example.com"));
        Assert.Equal(0, selector.Select("www.example.com"));
    }

    [Fact]
    public void Select_NameCarriedByTwoCertificates_PicksTheEarlierOne()
    {
        var selector = new SniSelector([["default.test"], ["api.test", "*.api.test"], ["api.test"]]);

        Assert.Equal(1, selector.Select("api.test"));
    }

    [Fact]
    public void Select_PartialWildcards_AreNotWildcards()
    {
        var selector = new SniSelector([["default.test"], ["a*.example.com", "*", "*.*.example.com"]]);

        Assert.Equal(0, selector.Select("ab.example.com"));
        Assert.Equal(0, selector.Select("x.y.example.com"));
    }
}
