using dotnet_etcd;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;
using NeuroPilot.Edge.Tests.Dns;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Fleet;

/// <summary>
/// Membership against a real 3-member etcd: edges publish their views under their lease and see each other's; a dead
/// edge's views vanish with its lease; etcd down is a state, never an exception; etcd back means published again.
/// </summary>
public sealed class EtcdFleetMemberTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<EtcdClient> _clients = [];
    private EtcdCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EtcdCluster.StartAsync();

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _cluster.Dispose();
    }

    [Fact]
    public async Task Publish_TwoMembers_EachSeesTheOthersView()
    {
        var (a, readerA, _) = Join("edge-a");
        var (b, readerB, _) = Join("edge-b");

        a.Publish(View("edge-a", ("us-east", false, "0 of 1 destinations available (needs 1)"), ("eu-west", true, "usable")));
        b.Publish(View("edge-b", ("us-east", true, "usable"), ("eu-west", true, "usable")));

        await Eventually.WaitUntilAsync(() => readerA.Current.ViewOf("edge-b", "api") is not null, Deadline, "edge-a sees edge-b's view");
        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "api") is not null, Deadline, "edge-b sees edge-a's view");
        var seenByB = readerB.Current.ViewOf("edge-a", "api")!;
        Assert.Equal(["us-east", "eu-west"], seenByB.Regions.Select(r => r.Region));
        Assert.False(seenByB.Regions[0].Usable);
        Assert.Equal("0 of 1 destinations available (needs 1)", seenByB.Regions[0].Reason);
        Assert.True(readerA.Current.ViewOf("edge-b", "api")!.Regions[0].Usable);
        Assert.Equal(FleetConnection.Connected, a.State);
        Assert.NotEqual(0, a.Status.LeaseId);
    }

    [Fact]
    public async Task Publish_ChangedView_ReplacesThePublishedOne()
    {
        var (a, _, _) = Join("edge-a");
        var (_, readerB, _) = Join("edge-b");
        a.Publish(View("edge-a", ("us-east", true, "usable")));
        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "api")?.Regions[0].Usable == true, Deadline, "edge-b sees us-east usable");

        a.Publish(View("edge-a", ("us-east", false, "drained")));

        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "api")?.Regions[0].Reason == "drained", Deadline, "edge-b sees us-east drained");
    }

    [Fact]
    public async Task Publish_ViewThatDoesNotChange_IsPublishedAgainWithAFreshTimeEveryTtl()
    {
        var (a, _, _) = Join("edge-a");
        var (_, readerB, _) = Join("edge-b");
        a.Publish(View("edge-a", ("us-east", true, "usable")));
        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "api") is not null, Deadline, "edge-b sees edge-a");
        var first = readerB.Current.ViewOf("edge-a", "api")!.PublishedAt;

        // Fresh enough for the fleet's quorum (which ignores views older than 3 TTLs) though nothing changed.
        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "api")?.PublishedAt >= first + LeaseTtl, LeaseTtl * 3,
            () => $"edge-a's view published again after {first:O} (now {readerB.Current.ViewOf("edge-a", "api")?.PublishedAt:O})");
        Assert.True(TimeProvider.System.GetUtcNow() - readerB.Current.ViewOf("edge-a", "api")!.PublishedAt < LeaseTtl * 2);
    }

    [Fact]
    public async Task Retain_WithoutAService_DeletesItsView_AndDropsALateSnapshotOfIt()
    {
        var (a, _, logs) = Join("edge-a");
        var (_, readerB, _) = Join("edge-b");
        a.Publish(View("edge-a", ("us-east", true, "usable")));
        a.Publish(View("edge-a", ("us-east", true, "usable")) with { Service = "web" });
        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "web") is not null, Deadline, "edge-b sees edge-a's view of web");

        a.Retain(["api"]); // a reload removed web
        a.Publish(View("edge-a", ("us-east", false, "drained")) with { Service = "web" }); // a snapshot sent before the reload

        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "web") is null, Deadline, "edge-a's view of web vanishes");
        var published = readerB.Current.ViewOf("edge-a", "api")!.PublishedAt;
        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "api")?.PublishedAt > published, LeaseTtl * 3, "edge-a publishes its views again");
        Assert.Null(readerB.Current.ViewOf("edge-a", "web"));
        Assert.Single(logs.Lines, l => l.Id.Id == 605);
    }

    [Fact]
    public async Task Stop_WithoutRevokingTheLease_ViewsVanishWithinTheTtl()
    {
        var (a, _, _) = Join("edge-a");
        var (_, readerB, _) = Join("edge-b");
        a.Publish(View("edge-a", ("us-east", true, "usable")));
        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "api") is not null, Deadline, "edge-b sees edge-a");

        var stopped = TimeProvider.System.GetTimestamp();
        await a.StopAsync(revoke: false); // as a crash: keep-alives stop, the lease is left to run out

        // The TTL, plus one refresh of the reader, plus etcd's lease expiry check (every 500 ms).
        await Eventually.WaitUntilAsync(() => !readerB.Current.Members.ContainsKey("edge-a"), LeaseTtl + EtcdFleetViewReader.RefreshInterval + TimeSpan.FromSeconds(1.5), "edge-a's views vanish");
        var gone = TimeProvider.System.GetElapsedTime(stopped);
        output.WriteLine($"views gone {gone.TotalMilliseconds:0} ms after the keep-alives stopped (TTL {LeaseTtl.TotalSeconds} s)");
        Assert.True(gone >= LeaseTtl - TimeSpan.FromSeconds(1), $"views vanished after {gone.TotalMilliseconds:0} ms: before the lease could have run out");
    }

    [Fact]
    public async Task Dispose_RevokesTheLease_ViewsVanishAtOnce()
    {
        var (a, _, _) = Join("edge-a");
        var (_, readerB, _) = Join("edge-b");
        a.Publish(View("edge-a", ("us-east", true, "usable")));
        await Eventually.WaitUntilAsync(() => readerB.Current.ViewOf("edge-a", "api") is not null, Deadline, "edge-b sees edge-a");

        await a.DisposeAsync();

        await Eventually.WaitUntilAsync(() => !readerB.Current.Members.ContainsKey("edge-a"), EtcdFleetViewReader.RefreshInterval + TimeSpan.FromSeconds(1), "edge-a's views vanish");
        Assert.Equal(FleetConnection.Stopped, a.State);
    }

    [Fact]
    public async Task EtcdDown_NoExceptionAndStateSaysUnreachable_ThenBack_PublishesAgain()
    {
        var (a, readerA, logs) = Join("edge-a");
        var (b, readerB, _) = Join("edge-b");
        a.Publish(View("edge-a", ("us-east", true, "usable")));
        b.Publish(View("edge-b", ("us-east", true, "usable")));
        await Eventually.WaitUntilAsync(() => readerA.Current.Members.Count == 2 && readerB.Current.Members.Count == 2, Deadline, "each edge sees both");

        for (var member = 0; member < _cluster.Size; member++)
        {
            await _cluster.StopMemberAsync(member);
        }

        a.Publish(View("edge-a", ("us-east", false, "drained"))); // while etcd is down: recorded, not thrown
        await Eventually.WaitUntilAsync(() => a.State == FleetConnection.Unreachable && readerA.State == FleetConnection.Unreachable, Deadline,
            () => $"member and reader say unreachable (member {a.Status}, reader {readerA.State})");
        Assert.NotNull(a.Status.LastError);
        Assert.NotNull(readerA.LastError);
        Assert.Equal(["edge-a", "edge-b"], readerA.Current.Members.Keys.Order(StringComparer.Ordinal)); // the last view read is kept

        // Down past the TTL: the member counts its lease as gone, so it must grant a new one and publish again.
        await Eventually.WaitUntilAsync(() => a.Status.LeaseId == 0, Deadline, () => $"the member gives its lease up (member {a.Status})");
        for (var member = 0; member < _cluster.Size; member++)
        {
            await _cluster.StartMemberAsync(member, waitUntilHealthy: false);
        }

        await Eventually.WaitUntilAsync(() => readerB.State == FleetConnection.Connected && readerB.Current.ViewOf("edge-a", "api")?.Regions[0].Reason == "drained",
            TimeSpan.FromSeconds(20), () => $"edge-b sees edge-a's view published during the outage (member {a.Status}, reader {readerB.State} {readerB.LastError})");
        Assert.Equal(FleetConnection.Connected, a.State);
        Assert.Single(logs.Lines, l => l.Id.Id == 601);
        output.WriteLine(logs.All);
    }

    private (EtcdFleetMember Member, EtcdFleetViewReader Reader, CapturingLogger<EtcdFleetMember> Logs) Join(string edgeId)
    {
        var options = new FleetOptions
        {
            Etcd = new EtcdOptions { Endpoints = [.. _cluster.ClientUrls.Select(u => new Uri(u))] },
            EdgeId = edgeId,
            Prefix = "/test-fleet/",
            LeaseTtl = LeaseTtl,
        };
        var client = EtcdClients.Create(options.Etcd, EtcdCredentials.None);
        _clients.Add(client);
        var logs = new CapturingLogger<EtcdFleetMember>(line => output.WriteLine($"{edgeId}: {line}"));
        var member = new EtcdFleetMember(client, options, TimeProvider.System, logs);
        var reader = new EtcdFleetViewReader(client, options, TimeProvider.System, new CapturingLogger<EtcdFleetViewReader>(line => output.WriteLine($"{edgeId} reader: {line}")));
        _owned.Add(member);
        _owned.Add(reader);
        member.Start();
        reader.Start();
        return (member, reader, logs);
    }

    private static FleetServiceView View(string edgeId, params (string Region, bool Usable, string Reason)[] regions)
    {
        var now = TimeProvider.System.GetUtcNow();
        return new FleetServiceView(edgeId, "api", [.. regions.Select(r => new FleetRegionView(r.Region, r.Usable, r.Reason, now))], now);
    }
}
