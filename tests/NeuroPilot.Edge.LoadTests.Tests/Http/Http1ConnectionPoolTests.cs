using System.Net;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Http;

public class Http1ConnectionPoolTests
{
    [Fact]
    public async Task Run_FromThreeSourceAddresses_TheServerSeesEachOfThemAsAClient()
    {
        await using var server = await LoopbackServer.StartAsync();
        var trace = new ResponseTrace();
        IPAddress[] sources = [IPAddress.Parse("127.0.0.1"), IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3")];

        var result = await Load.RunAsync(server.Url("/"), new LoadProfile { Rate = 200, Duration = TimeSpan.FromSeconds(1) }, connections: 6, trace, sourceAddresses: sources);

        Assert.Equal(result.Scheduled, result.Succeeded);
        Assert.Equal(["127.0.0.1", "127.0.0.2", "127.0.0.3"], server.ClientAddresses.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Run_TaggedByRetryAfter_TagsTheResponsesThatCarryItWhateverItsValue()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile { Rate = 100, Duration = TimeSpan.FromMilliseconds(500) };
        var withHeader = new ResponseTrace();
        var without = new ResponseTrace();

        await Load.RunAsync(server.Url("/retry-after/503"), profile, connections: 4, withHeader, tagHeader: "Retry-After");
        await Load.RunAsync(server.Url("/status/503"), profile, connections: 4, without, tagHeader: "Retry-After");

        Assert.All(withHeader.Snapshot(), o => Assert.Equal((503, -1), (o.StatusCode, o.Tag)));
        Assert.All(without.Snapshot(), o => Assert.Equal((503, 0), (o.StatusCode, o.Tag)));
        Assert.Equal(50, withHeader.Snapshot().Count);
    }

    [Fact]
    public async Task Run_RequestThatTimesOutOnTheWire_IsTracedAsSent()
    {
        await using var server = await LoopbackServer.StartAsync();
        var trace = new ResponseTrace();
        var profile = new LoadProfile { Rate = 20, Duration = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromMilliseconds(300), Grace = TimeSpan.FromSeconds(1) };

        await Load.RunAsync(server.Url("/hang"), profile, connections: 8, trace);

        Assert.NotEmpty(trace.Snapshot());
        Assert.All(trace.Snapshot(), o => Assert.True(o.Failure == FailureKind.Timeout && o.WasSent, o.ToString()));
    }
}
