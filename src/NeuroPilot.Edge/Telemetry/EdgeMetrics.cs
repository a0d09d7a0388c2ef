using System.Diagnostics.CodeAnalysis;
using Prometheus;

namespace NeuroPilot.Edge.Telemetry;

/// <summary>
/// Every Prometheus metric the edge exports, created once. Names follow one style: <c>neuropilot_edge_</c> prefix,
/// unit suffixes, bounded label sets (service, region and destination come from the config, never from requests).
/// </summary>
public sealed class EdgeMetrics
{
    private static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly double[] DnsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    public EdgeMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);

        // No exemplars: with a trace active, the default provider costs ~250 ns per request (bench/).
        factory.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = static (_, _) => Exemplar.None };
        CreateRequestMetrics(factory);
        CreateConfigMetrics(factory);
        CreateRetryMetrics(factory);
        CreateHealthMetrics(factory);
        CreateDnsMetrics(factory);
        CreateLimitMetrics(factory);
        Info = factory.CreateGauge(
            "neuropilot_edge_build_info",
            "Always 1; the version of the running edge.",
            new GaugeConfiguration { LabelNames = ["version"] });

        // Hardening (issue 10): the access log's dropped lines.
        AccessLogDropped = factory.CreateCounter(
            "neuropilot_edge_access_log_dropped_total",
            "Access log lines dropped: the writer fell behind (queue full: 16,384 lines or 16 MiB) or a write failed.");
        // DNS hardening (issue 10).
        DnsLoopRestarts = factory.CreateCounter(
            "neuropilot_edge_dns_loop_restarts_total",
            "Times the DNS reconcile loop faulted and was restarted by its supervisor (after a backoff).");
        CreateAuthMetrics(factory);
        CreateTlsMetrics(factory);
        CreateFleetMetrics(factory);
        CreateFleetLeaderMetrics(factory);
    }

    /// <summary>Proxied requests: counts, durations, answers of the edge itself, in flight.</summary>
    [MemberNotNull(nameof(Requests), nameof(RequestDuration), nameof(Unrouted), nameof(InFlight))]
    private void CreateRequestMetrics(IMetricFactory factory)
    {
        Requests = factory.CreateCounter(
            "neuropilot_edge_requests_total",
            "Proxied requests by service, serving region and response status code.",
            new CounterConfiguration { LabelNames = ["service", "region", "code"] });
        RequestDuration = factory.CreateHistogram(
            "neuropilot_edge_request_duration_seconds",
            "Time from receiving a request to the end of its response, by service and serving region.",
            new HistogramConfiguration { LabelNames = ["service", "region"], Buckets = LatencyBuckets });
        Unrouted = factory.CreateCounter(
            "neuropilot_edge_unrouted_requests_total",
            "Requests answered by the edge itself, by reason (no_service: no service matched; no_region: no usable region).",
            new CounterConfiguration { LabelNames = ["reason"] });
        InFlight = factory.CreateGauge(
            "neuropilot_edge_requests_in_flight",
            "Requests being proxied now.");
    }

    /// <summary>Config reloads.</summary>
    [MemberNotNull(nameof(ConfigReloads), nameof(ConfigLoaded))]
    private void CreateConfigMetrics(IMetricFactory factory)
    {
        ConfigReloads = factory.CreateCounter(
            "neuropilot_edge_config_reloads_total",
            "Config reloads by result (applied, rejected, unchanged).",
            new CounterConfiguration { LabelNames = ["result"] });
        ConfigLoaded = factory.CreateGauge(
            "neuropilot_edge_config_last_reload_success_timestamp_seconds",
            "Unix time of the last config load that was applied.");
    }

    /// <summary>Retries and the retry budget.</summary>
    [MemberNotNull(nameof(Retries), nameof(RetryBudgetExhausted))]
    private void CreateRetryMetrics(IMetricFactory factory)
    {
        Retries = factory.CreateCounter(
            "neuropilot_edge_retries_total",
            "Requests retried on another destination, by service and the reason the previous attempt failed.",
            new CounterConfiguration { LabelNames = ["service", "reason"] });
        RetryBudgetExhausted = factory.CreateCounter(
            "neuropilot_edge_retry_budget_exhausted_total",
            "Retries not made because the service's retry budget was spent.",
            new CounterConfiguration { LabelNames = ["service"] });
    }

    /// <summary>Health: destinations, breakers, serving regions, probes.</summary>
    [MemberNotNull(nameof(CircuitOpened), nameof(Failovers), nameof(RegionServing))]
    private void CreateHealthMetrics(IMetricFactory factory)
    {
        // destination_healthy, circuit_state, probe_duration_seconds and probes_total: see Destinations.
        CircuitOpened = factory.CreateCounter(
            "neuropilot_edge_circuit_opened_total",
            "Times a destination's circuit breaker opened.",
            new CounterConfiguration { LabelNames = ["service", "region", "destination"] });
        Failovers = factory.CreateCounter(
            "neuropilot_edge_failovers_total",
            "Changes of a service's serving region (from and to are region names; none when no region was usable).",
            new CounterConfiguration { LabelNames = ["service", "from", "to"] });
        RegionServing = factory.CreateGauge(
            "neuropilot_edge_region_serving",
            "1 for the region that takes a service's traffic now, else 0.",
            new GaugeConfiguration { LabelNames = ["service", "region"] });
    }

    /// <summary>The DNS pusher.</summary>
    [MemberNotNull(nameof(DnsPushes), nameof(DnsPushDuration), nameof(DnsServed), nameof(DnsLastSuccess), nameof(DnsNeverEmptyBlocked), nameof(DnsConflicts), nameof(DnsProviderRequests))]
    private void CreateDnsMetrics(IMetricFactory factory)
    {
        DnsPushes = factory.CreateCounter(
            "neuropilot_edge_dns_pushes_total",
            "DNS reconciliations by provider and result: success (changes applied), unchanged, dry_run, blocked (change cap), " +
            "rate_limited, unavailable, unauthorized, state_changed, rejected, error (no credentials, unexpected).",
            new CounterConfiguration { LabelNames = ["provider", "result"] });
        DnsPushDuration = factory.CreateHistogram(
            "neuropilot_edge_dns_push_duration_seconds",
            "Time of one DNS reconciliation: reading the provider, planning and applying.",
            new HistogramConfiguration { LabelNames = ["provider"], Buckets = DnsBuckets });
        DnsServed = factory.CreateHistogram(
            "neuropilot_edge_dns_served_seconds",
            "Time from sending a DNS change until the server answered with it (checked by querying the server; rfc2136).",
            new HistogramConfiguration { LabelNames = ["provider"], Buckets = DnsBuckets });
        DnsLastSuccess = factory.CreateGauge(
            "neuropilot_edge_dns_last_success_timestamp_seconds",
            "Unix time of the last DNS reconciliation that reached the provider and ended as planned.",
            new GaugeConfiguration { LabelNames = ["provider"] });
        DnsNeverEmptyBlocked = factory.CreateGauge(
            "neuropilot_edge_dns_never_empty_blocked",
            "1 while at least one record keeps its last answer because every region it publishes is down (never-empty rule).");
        DnsConflicts = factory.CreateGauge(
            "neuropilot_edge_dns_conflicts",
            "Configured records left alone because their name is held by records without this edge's owner marker.");
        DnsProviderRequests = factory.CreateCounter(
            "neuropilot_edge_dns_provider_requests_total",
            "Requests sent to the DNS provider (HTTP calls or DNS messages, retries included).",
            new CounterConfiguration { LabelNames = ["provider"] });
    }

    /// <summary>Limits: requests shed, client connections.</summary>
    [MemberNotNull(nameof(RequestsShed), nameof(ConnectionsRejected), nameof(ConnectionsOpen))]
    private void CreateLimitMetrics(IMetricFactory factory)
    {
        RequestsShed = factory.CreateCounter(
            "neuropilot_edge_requests_shed_total",
            "Requests a service's limits answered without forwarding them (413, 429, 503), by service and reason.",
            new CounterConfiguration { LabelNames = ["service", "reason"] });
        ConnectionsRejected = factory.CreateCounter(
            "neuropilot_edge_connections_rejected_total",
            "Client connections closed at once because the proxy listeners were at Edge.Limits.MaxConnections.");
        ConnectionsOpen = factory.CreateGauge(
            "neuropilot_edge_connections_open",
            "Open client connections to the proxy listeners.");
    }

    /// <summary>JWT at the edge (Authentication/).</summary>
    [MemberNotNull(nameof(AuthRejected), nameof(JwtKeysReloads))]
    private void CreateAuthMetrics(IMetricFactory factory)
    {
        AuthRejected = factory.CreateCounter(
            "neuropilot_edge_auth_rejected_total",
            "Requests answered 401 by a service's JWT check (never forwarded), by reason: missing, malformed, too_large, " +
            "algorithm, unknown_key, signature, expired, not_yet_valid, no_expiry, issuer, audience.",
            new CounterConfiguration { LabelNames = ["service", "reason"] });
        JwtKeysReloads = factory.CreateCounter(
            "neuropilot_edge_jwt_keys_reloads_total",
            "JWKS file loads by result: applied (new keys in use), rejected (unreadable or unusable; the keys in use stay).",
            new CounterConfiguration { LabelNames = ["result"] });
    }

    /// <summary>TLS (issue 11): certificates of the https listeners and of upstream mTLS, by the certificate's first DNS name.</summary>
    [MemberNotNull(nameof(TlsCertificateExpiry), nameof(TlsCertificateReloads), nameof(TlsCertificateReloadFailures), nameof(TlsPlainHttpRejected))]
    private void CreateTlsMetrics(IMetricFactory factory)
    {
        TlsCertificateExpiry = factory.CreateGauge(
            "neuropilot_edge_tls_certificate_expiry_seconds",
            "Unix time at which a certificate in use expires (its NotAfter), by its first DNS name.",
            new GaugeConfiguration { LabelNames = ["name"] });
        TlsCertificateReloads = factory.CreateCounter(
            "neuropilot_edge_tls_certificate_reloads_total",
            "Certificate or CA files that changed on disk and were taken into use without a restart.",
            new CounterConfiguration { LabelNames = ["name"] });
        TlsCertificateReloadFailures = factory.CreateCounter(
            "neuropilot_edge_tls_certificate_reload_failures_total",
            "Changed certificate, key or CA files that could not be used (unreadable, not PEM, key not matching, expired): the previous ones stay in use.",
            new CounterConfiguration { LabelNames = ["name"] });
        TlsPlainHttpRejected = factory.CreateCounter(
            "neuropilot_edge_tls_plain_http_rejected_total",
            "Connections to an https listener that spoke plain HTTP: answered 400 and closed.");
    }

    public CollectorRegistry Registry { get; }

    public Counter DnsPushes { get; private set; }

    public Histogram DnsPushDuration { get; private set; }

    public Histogram DnsServed { get; private set; }

    public Gauge DnsLastSuccess { get; private set; }

    public Gauge DnsNeverEmptyBlocked { get; private set; }

    public Gauge DnsConflicts { get; private set; }

    public Counter DnsProviderRequests { get; private set; }

    public Counter Requests { get; private set; }

    public Histogram RequestDuration { get; private set; }

    public Counter Unrouted { get; private set; }

    public Gauge InFlight { get; private set; }

    public Counter ConfigReloads { get; private set; }

    public Gauge ConfigLoaded { get; private set; }

    public Gauge Info { get; }

    public Counter RequestsShed { get; private set; }

    public Counter ConnectionsRejected { get; private set; }

    public Gauge ConnectionsOpen { get; private set; }

    public Counter Retries { get; private set; }

    public Counter RetryBudgetExhausted { get; private set; }

    /// <summary>
    /// The per-destination series (<c>destination_healthy</c>, <c>circuit_state</c>, <c>probe_duration_seconds</c>,
    /// <c>probes_total</c>), kept compact outside the registry and written after it by <see cref="ExportAsTextAsync"/>.
    /// </summary>
    public DestinationSeriesSet Destinations { get; } = new();

    public Counter CircuitOpened { get; private set; }

    public Counter Failovers { get; private set; }

    public Gauge RegionServing { get; private set; }


    /// <summary><c>neuropilot_edge_access_log_dropped_total</c>.</summary>
    public Counter AccessLogDropped { get; }

    public Counter AuthRejected { get; private set; }

    public Counter JwtKeysReloads { get; private set; }

    /// <summary>Removes every series of a destination that left the routing table, so no alert fires for it.</summary>
    public void ForgetDestination(string service, string region, string destination)
    {
        Destinations.Forget(service, region, destination);
        CircuitOpened.RemoveLabelled(service, region, destination);
    }

    /// <summary>Every metric in the Prometheus text format 0.0.4: the registry's families, then the per-destination ones.</summary>
    public async Task ExportAsTextAsync(Stream stream, CancellationToken cancellationToken)
    {
        await Registry.CollectAndExportAsTextAsync(stream, cancellationToken);
        await Destinations.WriteAsync(stream, cancellationToken);
    }

    /// <summary>Removes every series of a region that left the routing table (its requests, whether it serves).</summary>
    public void ForgetRegion(string service, string region)
    {
        RegionServing.RemoveLabelled(service, region);
        RequestDuration.RemoveLabelled(service, region);
        RemoveWhere(Requests, service, region);
    }

    /// <summary>Removes the per-service series of a service that left the routing table.</summary>
    public void ForgetService(string service)
    {
        RemoveWhere(Retries, service);
        RetryBudgetExhausted.RemoveLabelled(service);
        RemoveWhere(Failovers, service);
        RemoveWhere(RequestsShed, service);
        RemoveWhere(AuthRejected, service);
    }

    /// <summary>Removes the children of <paramref name="collector"/> whose first labels are <paramref name="prefix"/>.</summary>
    private static void RemoveWhere<TChild>(Collector<TChild> collector, params string[] prefix)
        where TChild : ChildBase
    {
        foreach (var labels in collector.GetAllLabelValues().ToList())
        {
            if (labels.Length >= prefix.Length && labels.AsSpan(0, prefix.Length).SequenceEqual(prefix))
            {
                collector.RemoveLabelled(labels);
            }
        }
    }
    // DNS hardening (issue 10).
    public Counter DnsLoopRestarts { get; }

    // TLS (issue 11).
    public Gauge TlsCertificateExpiry { get; private set; }

    public Counter TlsCertificateReloads { get; private set; }

    public Counter TlsCertificateReloadFailures { get; private set; }

    public Counter TlsPlainHttpRejected { get; private set; }

    // Fleet (issue 14). Exported only once set: an edge without a Fleet section shows none of them.
    public Gauge FleetEtcdUp { get; private set; }

    public Gauge FleetMembers { get; private set; }

    public Counter FleetEtcdErrors { get; private set; }

    public Counter FleetDrainsFollowed { get; private set; }

    [MemberNotNull(nameof(FleetEtcdUp), nameof(FleetMembers), nameof(FleetEtcdErrors), nameof(FleetDrainsFollowed))]
    private void CreateFleetMetrics(IMetricFactory factory)
    {
        FleetEtcdUp = factory.CreateGauge(
            "neuropilot_edge_fleet_etcd_up",
            "1 while this edge's last call to the fleet's etcd (its lease, its views) succeeded, else 0.",
            new GaugeConfiguration { SuppressInitialValue = true });
        FleetMembers = factory.CreateGauge(
            "neuropilot_edge_fleet_members",
            "Live members of the fleet (edges holding a lease with published views) in the last view read from etcd.",
            new GaugeConfiguration { SuppressInitialValue = true });
        FleetEtcdErrors = factory.CreateCounter(
            "neuropilot_edge_fleet_etcd_errors_total",
            "Failed calls to the fleet's etcd by part: member (lease, views), view (reading the fleet), drain (writing a drain).",
            new CounterConfiguration { LabelNames = ["part"] });
        FleetDrainsFollowed = factory.CreateCounter(
            "neuropilot_edge_fleet_drains_followed_total",
            "Regions this edge drained or undrained because the fleet's shared drains said so.",
            new CounterConfiguration { SuppressInitialValue = true });
    }

    // Fleet leader and DNS quorum (issue 14). Exported only once set: an edge without a Fleet section shows none of them.
    public Gauge FleetLeader { get; private set; }

    public Counter FleetLeaderChanges { get; private set; }

    public Counter FleetQuorumDecisions { get; private set; }

    public Gauge DnsPaused { get; private set; }

    [MemberNotNull(nameof(FleetLeader), nameof(FleetLeaderChanges), nameof(FleetQuorumDecisions), nameof(DnsPaused))]
    private void CreateFleetLeaderMetrics(IMetricFactory factory)
    {
        FleetLeader = factory.CreateGauge(
            "neuropilot_edge_fleet_leader",
            "1 while this edge is the fleet's proven DNS writer (it holds the leader key on its live lease), else 0.",
            new GaugeConfiguration { SuppressInitialValue = true });
        FleetLeaderChanges = factory.CreateCounter(
            "neuropilot_edge_fleet_leader_changes_total",
            "Times the fleet's leader, as this edge sees it, changed (including to none while etcd is unreachable).",
            new CounterConfiguration { SuppressInitialValue = true });
        FleetQuorumDecisions = factory.CreateCounter(
            "neuropilot_edge_fleet_quorum_decisions_total",
            "Quorum decisions of the DNS writer that changed what DNS may publish of a region: decision is down (a quorum sees it unusable) or up (a quorum sees it usable).",
            new CounterConfiguration { LabelNames = ["service", "region", "decision"] });
        DnsPaused = factory.CreateGauge(
            "neuropilot_edge_dns_paused",
            "1 while this edge's DNS pusher is paused because no fleet leader can be proven (fleet etcd unreachable), else 0.",
            new GaugeConfiguration { SuppressInitialValue = true });
    }

    /// <summary>A registry with the process metrics only (and the heap's allocated bytes, read at scrape time): .NET meters and event counters stay off the request path.</summary>
    public static CollectorRegistry CreateRegistry()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(registry);
        var allocated = Prometheus.Metrics.WithCustomRegistry(registry).CreateCounter(
            "dotnet_gc_allocated_bytes_total",
            "Bytes allocated on the managed heap since the process started (GC.GetTotalAllocatedBytes); its rate over the request rate is the allocation per request.");
        registry.AddBeforeCollectCallback(() => allocated.IncTo(GC.GetTotalAllocatedBytes()));
        return registry;
    }
}
