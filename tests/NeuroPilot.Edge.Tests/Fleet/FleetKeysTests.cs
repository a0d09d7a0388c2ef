using NeuroPilot.Edge.Fleet;

namespace NeuroPilot.Edge.Tests.Fleet;

public class FleetKeysTests
{
    private readonly FleetKeys _keys = new("/neuropilot-edge/");

    [Fact]
    public void View_IsUnderTheMembersPrefixOfTheEdge() =>
        Assert.Equal("/neuropilot-edge/members/edge-1/views/api", _keys.View("edge-1", "api"));

    [Fact]
    public void TryParseView_AViewKey_GivesBackEdgeAndService()
    {
        Assert.True(_keys.TryParseView(_keys.View("edge.1", "my-api"), out var edgeId, out var service));
        Assert.Equal(("edge.1", "my-api"), (edgeId, service));
    }

    [Theory]
    [InlineData("/other/members/edge-1/views/api")]
    [InlineData("/neuropilot-edge/members/edge-1/views/")]
    [InlineData("/neuropilot-edge/members//views/api")]
    [InlineData("/neuropilot-edge/members/edge-1/leader")]
    public void TryParseView_AnyOtherKey_IsNotAView(string key) => Assert.False(_keys.TryParseView(key, out _, out _));
}
