using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Tests.Configuration;

public class ConfigLoaderTests
{
    [Fact]
    public void Load_DesignMinimalConfig_HasThreeRegionsInPriorityOrder()
    {
        var config = ConfigLoader.Load(NeuroPilot.Edge.Demo.DemoCommand.Config);

        var service = Assert.Single(config.Services);
        Assert.Equal("api", service.Name);
        Assert.Equal(["us-east", "eu-west", "ap-south"], service.Regions.Select(r => r.Name));
        Assert.Equal(TimeSpan.FromSeconds(10), service.HealthCheck.Interval);
    }
}
