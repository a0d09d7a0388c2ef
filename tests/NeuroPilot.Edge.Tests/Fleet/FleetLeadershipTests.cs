using dotnet_etcd;
using Grpc.Core;
using Grpc.Core.Interceptors;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;
using NeuroPilot.Edge.Tests.Dns;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Fleet;

/// <summary>
/// The DNS writer's election against a real 3-member etcd: of several edges exactly one leads; a leader that stops
/// (resigning) or dies (its lease runs out) is replaced; with etcd's majority down nobody believes it leads.
/// </summary>
public sealed class FleetLeadershipTests(ITestOutputHelper output) : IAsyncLifetime
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
    public async Task Campaign_TwoMembers_ExactlyOneLeadsAndBothNameIt()
    {
        var (_, a) = Join("edge-a");
        var (_, b) = Join("edge-b");

        await Eventually.WaitUntilAsync(() => a.IsLeader ^ b.IsLeader, Deadline, () => $"exactly one leads (a {a.Status}, b {b.Status})");
        var leader = a.IsLeader ? "edge-a" : "edge-b";
        await Eventually.WaitUntilAsync(() => a.Status.Leader == leader && b.Status.Leader == leader, Deadline, () => $"both name {leader} (a {a.Status}, b {b.Status})");

        // Held, not flapping: over ten checks the same one leads and the other never believes it does.
        var watched = TimeProvider.System.GetTimestamp();
        var both = false;
        var changed = false;
        await Eventually.WaitUntilAsync(() =>
        {
            both |= a.IsLeader && b.IsLeader;
            changed |= a.Status.Leader != leader || b.Status.Leader != leader;
            return TimeProvider.System.GetElapsedTime(watched) >= FleetLeadership.CheckInterval * 10;
        }, Deadline, "ten checks watched");
        Assert.False(both, "both believed they led at one moment");
        Assert.False(changed, "the leader changed while both were up");
        Assert.Equal(leader, a.Status.Leader);
        Assert.Equal(leader, b.Status.Leader);
    }

    [Fact]
    public async Task Dispose_OfTheLeader_TheOtherLeadsWithinOneTtlAndOneCheck()
    {
        var (_, a) = Join("edge-a");
        await Eventually.WaitUntilAsync(() => a.IsLeader, Deadline, () => $"edge-a leads alone ({a.Status})");
        var (_, b) = Join("edge-b");
        await Eventually.WaitUntilAsync(() => b.Status.Leader == "edge-a", Deadline, () => $"edge-b follows edge-a ({b.Status})");

        var stopped = TimeProvider.System.GetTimestamp();
        await a.DisposeAsync();

        await Eventually.WaitUntilAsync(() => b.IsLeader, LeaseTtl + FleetLeadership.CheckInterval, () => $"edge-b leads ({b.Status})");
        output.WriteLine($"edge-b leads {TimeProvider.System.GetElapsedTime(stopped).TotalMilliseconds:0} ms after edge-a resigned");
        Assert.False(a.IsLeader);
    }

    [Fact]
    public async Task LeaseLost_OfTheLeader_TheOtherLeadsAfterTheTtl()
    {
        var (memberA, a) = Join("edge-a");
        await Eventually.WaitUntilAsync(() => a.IsLeader, Deadline, () => $"edge-a leads alone ({a.Status})");
        var (_, b) = Join("edge-b");
        await Eventually.WaitUntilAsync(() => b.Status.Leader == "edge-a", Deadline, () => $"edge-b follows edge-a ({b.Status})");

        var stopped = TimeProvider.System.GetTimestamp();
        await memberA.StopAsync(revoke: false); // a crash: keep-alives stop, the lease runs out

        // The TTL, one check, and etcd's own lease expiry sweep (every 500 ms).
        await Eventually.WaitUntilAsync(() => b.IsLeader, LeaseTtl + FleetLeadership.CheckInterval + TimeSpan.FromSeconds(1.5), () => $"edge-b leads ({b.Status})");
        var took = TimeProvider.System.GetElapsedTime(stopped);
        output.WriteLine($"edge-b leads {took.TotalMilliseconds:0} ms after edge-a's keep-alives stopped (TTL {LeaseTtl.TotalSeconds} s)");
        Assert.True(took >= LeaseTtl - TimeSpan.FromSeconds(1), $"edge-b led after {took.TotalMilliseconds:0} ms: before edge-a's lease could have run out");
        Assert.False(a.IsLeader, $"edge-a still believes it leads without a live lease ({a.Status})");
    }

    [Fact]
    public async Task EtcdMajorityDown_NobodyBelievesItLeads_ThenBack_OneLeadsAgain()
    {
        var (_, a) = Join("edge-a");
        var (_, b) = Join("edge-b");
        await Eventually.WaitUntilAsync(() => a.IsLeader ^ b.IsLeader, Deadline, () => $"exactly one leads (a {a.Status}, b {b.Status})");

        await _cluster.StopMemberAsync(0);
        await _cluster.StopMemberAsync(1);

        await Eventually.WaitUntilAsync(() => !a.IsLeader && !b.IsLeader && a.Status.State == FleetConnection.Unreachable && b.Status.State == FleetConnection.Unreachable,
            Deadline, () => $"nobody leads and both say unreachable (a {a.Status}, b {b.Status})");
        Assert.NotNull(a.Status.LastError);
        Assert.Null(a.Status.Leader);

        await _cluster.StartMemberAsync(0, waitUntilHealthy: false);
        await _cluster.StartMemberAsync(1, waitUntilHealthy: false);
        await Eventually.WaitUntilAsync(() => a.IsLeader ^ b.IsLeader, TimeSpan.FromSeconds(20), () => $"exactly one leads again (a {a.Status}, b {b.Status})");
    }

    [Fact]
    public async Task Check_TheMemberAskedRefusesTheCall_TheLeaderStillProvesItLeadsThroughAnother()
    {
        var options = Options("edge-a");
        var refuseNext = new RefuseNextTransaction();
        var client = new EtcdClient(string.Join(',', _cluster.ClientUrls), interceptors: [refuseNext]);
        _clients.Add(client);
        var member = new EtcdFleetMember(client, options, TimeProvider.System, new CapturingLogger<EtcdFleetMember>(output.WriteLine));
        _owned.Add(member);
        member.Start();
        var leadership = new FleetLeadership(client, options, () => member.Status is { State: FleetConnection.Connected } s ? s.LeaseId : 0, TimeProvider.System,
            new CapturingLogger<FleetLeadership>(output.WriteLine));
        _owned.Add(leadership);
        await Eventually.WaitUntilAsync(async () => await leadership.CheckAsync(CancellationToken.None) && leadership.IsLeader, Deadline, () => $"edge-a leads ({leadership.Status})");

        refuseNext.Armed = true; // as a stopped etcd member refuses the connection the client's balancer had picked

        Assert.True(await leadership.CheckAsync(CancellationToken.None), $"the check failed: {leadership.Status}");
        Assert.False(refuseNext.Armed);
        Assert.True(leadership.IsLeader);
    }

    private FleetOptions Options(string edgeId) => new()
    {
        Etcd = new EtcdOptions { Endpoints = [.. _cluster.ClientUrls.Select(u => new Uri(u))] },
        EdgeId = edgeId,
        Prefix = "/test-fleet/",
        LeaseTtl = LeaseTtl,
    };

    /// <summary>While armed, fails the next transaction as a refused connection does (Unavailable) and disarms.</summary>
    private sealed class RefuseNextTransaction : Interceptor
    {
        private int _armed;

        public bool Armed
        {
            get => Volatile.Read(ref _armed) == 1;
            set => Volatile.Write(ref _armed, value ? 1 : 0);
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            if (context.Method.Name != "Txn" || Interlocked.Exchange(ref _armed, 0) == 0)
            {
                return continuation(request, context);
            }

            var refused = new Status(StatusCode.Unavailable, "Error starting gRPC call. HttpRequestException: Connection refused (test)");
            return new AsyncUnaryCall<TResponse>(Task.FromException<TResponse>(new RpcException(refused)), Task.FromResult(new Metadata()), () => refused, () => [], () => { });
        }
    }

    private (EtcdFleetMember Member, FleetLeadership Leadership) Join(string edgeId)
    {
        var options = Options(edgeId);
        var client = EtcdClients.Create(options.Etcd, EtcdCredentials.None);
        _clients.Add(client);
        var member = new EtcdFleetMember(client, options, TimeProvider.System, new CapturingLogger<EtcdFleetMember>(line => output.WriteLine($"{edgeId}: {line}")));
        var leadership = new FleetLeadership(client, options, () => member.Status is { State: FleetConnection.Connected } s ? s.LeaseId : 0, TimeProvider.System,
            new CapturingLogger<FleetLeadership>(line => output.WriteLine($"{edgeId} leader: {line}")));
        _owned.Add(member);
        _owned.Add(leadership);
        member.Start();
        leadership.Start();
        return (member, leadership);
    }
}
