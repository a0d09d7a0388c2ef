using static NeuroPilot.Edge.Tests.Routing.TestRoutes;

namespace NeuroPilot.Edge.Tests.Routing;

public class ServiceRouteTests
{
    [Fact]
    public void SelectRegion_EveryRegionUsable_ReturnsThePrimary()
    {
        var service = Service(Region("us-east", Destination(9001)), Region("eu-west", Destination(9002)));

        Assert.Equal("us-east", service.SelectRegion()?.Name);
    }

    [Fact]
    public void SelectRegion_PrimaryWithEveryDestinationMarkedDown_ReturnsTheNextRegion()
    {
        var service = Service(
            Region("us-east", Destination(9001, markedDown: true), Destination(9002, markedDown: true)),
            Region("eu-west", Destination(9003)),
            Region("ap-south", Destination(9004)));

        Assert.Equal("eu-west", service.SelectRegion()?.Name);
    }

    [Fact]
    public void SelectRegion_PrimaryWithOneDestinationLeft_StaysOnThePrimary()
    {
        var service = Service(
            Region("us-east", Destination(9001, markedDown: true), Destination(9002)),
            Region("eu-west", Destination(9003)));

        Assert.Equal("us-east", service.SelectRegion()?.Name);
    }

    [Fact]
    public void SelectRegion_PrimaryDrained_ReturnsTheNextRegion()
    {
        var service = Service(Region("us-east", Destination(9001)), Region("eu-west", Destination(9002)));
        service.Regions[0].Control.Drained = true;

        Assert.Equal("eu-west", service.SelectRegion()?.Name);
    }

    [Fact]
    public void SelectRegion_FirstDrainedSecondDown_ReturnsTheThird()
    {
        var service = Service(
            Region("us-east", Destination(9001)),
            Region("eu-west", Destination(9002, markedDown: true)),
            Region("ap-south", Destination(9003)));
        service.Regions[0].Control.Drained = true;

        Assert.Equal("ap-south", service.SelectRegion()?.Name);
    }

    [Fact]
    public void SelectRegion_PrimaryBackUpAndUndrained_ReturnsThePrimaryAgain()
    {
        var primary = Destination(9001, markedDown: true);
        var service = Service(Region("us-east", primary), Region("eu-west", Destination(9002)));
        service.Regions[0].Control.Drained = true;
        Assert.Equal("eu-west", service.SelectRegion()?.Name);

        primary.MarkedDown = false;
        service.Regions[0].Control.Drained = false;

        Assert.Equal("us-east", service.SelectRegion()?.Name);
    }

    [Fact]
    public void SelectRegion_EveryRegionDrainedOrDown_ReturnsNull()
    {
        var service = Service(
            Region("us-east", Destination(9001, markedDown: true)),
            Region("eu-west", Destination(9002)));
        service.Regions[1].Control.Drained = true;

        Assert.Null(service.SelectRegion());
    }
}
