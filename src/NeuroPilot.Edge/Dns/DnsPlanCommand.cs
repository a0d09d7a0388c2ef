using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// <c>neuropilot-edge dns plan --config FILE</c>: probes every destination once from this host (or assumes every
/// region up), reads the live provider and prints the plan a running edge would apply now, hold times aside.
/// Changes nothing: the provider is only read.
/// </summary>
public static class DnsPlanCommand
{
    public static async Task<int> RunAsync(EdgeConfig config, bool assumeHealthy, TextWriter output, TextWriter error, ILoggerFactory loggers)
    {
        if (config.Dns is not { } dns)
        {
            await error.WriteLineAsync("neuropilot-edge: the config has no Dns section: nothing to plan");
            return 2;
        }

        var time = TimeProvider.System;
        var views = new Dictionary<(string Service, string Region), RegionView>();
        await output.WriteLineAsync(assumeHealthy ? "Regions: every region assumed up (--assume-healthy)." : "Regions, probed once from this host now:");
        using (var prober = new Prober(time))
        {
            foreach (var service in config.Services)
            {
                for (var i = 0; i < service.Regions.Count; i++)
                {
                    var region = service.Regions[i];
                    var healthy = region.Destinations.Count;
                    var details = new List<string>();
                    if (!assumeHealthy)
                    {
                        var results = await Task.WhenAll(region.Destinations.Select(d => prober.ProbeAsync(d, service.HealthCheck, service.UpstreamTls, CancellationToken.None)));
                        healthy = results.Count(r => r.Healthy);
                        details.AddRange(results.Select((r, j) => $"{region.Destinations[j].Authority} {r.Detail}"));
                    }

                    var up = RegionEvaluator.Decide(drained: false, healthy, service.MinHealthyDestinations) == RegionCondition.Usable;
                    views[(service.Name, region.Name)] = new RegionView(i, up, up);
                    if (!assumeHealthy)
                    {
                        await output.WriteLineAsync($"  {service.Name}/{region.Name}: {(up ? "up" : "down")} ({string.Join("; ", details)})");
                    }
                }
            }
        }

        var providerName = dns.Provider.ToWireName();
        try
        {
            using var provider = DnsProviderFactory.Create(dns, time, loggers);
            var current = await provider.ReadAsync(DnsOwnership.NamesToRead(dns.Records), CancellationToken.None);
            var plan = DnsPlanner.Plan(DnsPlanner.Desire(dns.Records, views), current, dns.OwnerId, dns.MaxChangeShare, provider.EffectiveTtl);
            await output.WriteLineAsync($"Plan against {providerName} ({Where(dns)}), owner \"{dns.OwnerId}\"{(dns.DryRun ? ", DryRun on" : "")}:");
            await output.WriteLineAsync(plan.ToText());
            await output.WriteLineAsync("Nothing was changed (plan only).");
            return 0;
        }
        catch (DnsProviderException e)
        {
            await error.WriteLineAsync($"neuropilot-edge: {providerName}: {(e.Code is null ? "" : e.Code + ": ")}{e.Message}");
            return 1;
        }
    }

    private static string Where(DnsOptions dns) => dns.Provider == DnsProviderKind.Cloudflare
        ? $"zone {dns.Cloudflare?.ZoneId} at {dns.Cloudflare?.ApiBaseUrl}"
        : $"zone {dns.Rfc2136?.Zone} at {dns.Rfc2136?.Server}";
}
