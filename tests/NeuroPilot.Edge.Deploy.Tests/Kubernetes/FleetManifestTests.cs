using System.Text.Json.Nodes;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.Kubernetes;

/// <summary>
/// deploy/kubernetes/fleet.yaml and etcd.yaml, beyond what <see cref="ManifestTests"/> checks of every workload (the
/// config passes <c>check</c>, probes, Secrets, PDB, NetworkPolicy): the etcd password and CA come from a Secret
/// mounted as files, never inline; each edge's EdgeId is its pod name (the host name); the config's endpoints are the
/// members of the etcd StatefulSet, which bootstraps three members with flags the installed etcd knows and links
/// etcd's own guides.
/// </summary>
public sealed class FleetManifestTests
{
    private static readonly string[] EtcdGuides =
    [
        "https://etcd.io/docs/v3.4/op-guide/clustering/",
        "https://etcd.io/docs/v3.4/op-guide/hardware/",
        "https://etcd.io/docs/v3.4/op-guide/security/",
    ];

    [Fact]
    public async Task FleetEdges_ReadTheEtcdPasswordAndCaFromAMountedSecret_NeverInline()
    {
        var documents = await LoadAsync("fleet.yaml");
        var text = await File.ReadAllTextAsync(RepoPaths.Deploy("kubernetes", "fleet.yaml"));
        var etcd = Fleet(documents)["Etcd"]!.AsObject();
        var edge = EdgeContainer(documents);
        var pod = PodSpec(documents);

        Assert.False(etcd.ContainsKey("Password"));
        Assert.DoesNotContain(documents, d => d["kind"]!.GetValue<string>() == "Secret");
        Assert.DoesNotContain(edge["env"]!.AsArray(), e => e!["name"]!.GetValue<string>().Contains("ETCD", StringComparison.Ordinal));
        var passwordFile = etcd["PasswordFile"]!.GetValue<string>();
        var caFile = etcd["CaFile"]!.GetValue<string>();
        var mount = edge["volumeMounts"]!.AsArray().Single(m => passwordFile.StartsWith(m!["mountPath"]!.GetValue<string>() + "/", StringComparison.Ordinal))!;
        Assert.Null(mount["subPath"]);
        Assert.True(mount["readOnly"]!.GetValue<bool>());
        Assert.StartsWith(mount["mountPath"]!.GetValue<string>() + "/", caFile, StringComparison.Ordinal);
        var secret = pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == mount["name"]!.GetValue<string>())!["secret"]!;
        var secretName = secret["secretName"]!.GetValue<string>();
        Assert.Contains($"create secret generic {secretName}", text, StringComparison.Ordinal);
        Assert.Contains($"--from-literal={Path.GetFileName(passwordFile)}=", text, StringComparison.Ordinal);
        Assert.Contains($"--from-file={Path.GetFileName(caFile)}=", text, StringComparison.Ordinal);
        Assert.Equal(Convert.ToInt32("440", 8), secret["defaultMode"]!.GetValue<int>());
    }

    [Fact]
    public async Task FleetEdges_AreNamedByTheirPodName_TheHostName_NoEdgeIdInTheSharedConfig()
    {
        var documents = await LoadAsync("fleet.yaml");
        var pod = PodSpec(documents);
        var edge = EdgeContainer(documents);

        // An unwritten EdgeId is the host name, and a pod's host name is its pod name unless the spec changes it.
        Assert.Null(Fleet(documents)["EdgeId"]);
        Assert.Null(pod["hostname"]);
        Assert.Null(pod["subdomain"]);
        Assert.Null(pod["setHostnameAsFQDN"]);
        Assert.Null(pod["hostNetwork"]); // on the node's network the host name would be the node's
        var podName = edge["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "NEUROPILOT_EDGE_POD_NAME")!;
        Assert.Equal("metadata.name", podName["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        Assert.True(Workload(documents)["spec"]!["replicas"]!.GetValue<int>() >= 3, "a fleet of fewer than three has no majority to outvote one edge");
    }

    [Fact]
    public async Task EtcdStatefulSet_HasTheThreeMembersTheFleetConfigNames_WithFlagsTheInstalledEtcdKnows_AndLinksEtcdsGuides()
    {
        var documents = await LoadAsync("etcd.yaml");
        var text = await File.ReadAllTextAsync(RepoPaths.Deploy("kubernetes", "etcd.yaml"));
        var statefulSet = documents.Single(d => d["kind"]!.GetValue<string>() == "StatefulSet");
        var service = documents.Single(d => d["kind"]!.GetValue<string>() == "Service");
        var container = statefulSet["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var (_, help) = await ChildProcess.RunToExitAsync(HostTools.Require("etcd", "etcd-server"), ["--help"], TimeSpan.FromSeconds(30));

        Assert.All(EtcdGuides, link => Assert.Contains(link, text, StringComparison.Ordinal));
        Assert.Equal(3, statefulSet["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(service["metadata"]!["name"]!.GetValue<string>(), statefulSet["spec"]!["serviceName"]!.GetValue<string>());
        Assert.Equal("None", service["spec"]!["clusterIP"]!.GetValue<string>());
        foreach (var arg in args)
        {
            var flag = arg.Split('=', 2)[0];
            Assert.True(help.Contains($"  {flag} ", StringComparison.Ordinal), $"etcd has no flag {flag}");
        }

        var name = statefulSet["metadata"]!["name"]!.GetValue<string>();
        var ns = statefulSet["metadata"]!["namespace"]!.GetValue<string>();
        var members = Enumerable.Range(0, 3).Select(i => $"{name}-{i}.{service["metadata"]!["name"]}.{ns}.svc").ToList();
        var initialCluster = args.Single(a => a.StartsWith("--initial-cluster=", StringComparison.Ordinal));
        Assert.All(members, m => Assert.Contains($"https://{m}:2380", initialCluster, StringComparison.Ordinal));
        var endpoints = Fleet(await LoadAsync("fleet.yaml"))["Etcd"]!["Endpoints"]!.AsArray().Select(e => e!.GetValue<string>());
        Assert.Equal(members.Select(m => $"https://{m}:2379"), endpoints);
        Assert.Contains("--peer-client-cert-auth=true", args);
        Assert.Contains("--client-cert-auth", text, StringComparison.Ordinal); // said why it is not on: the edges log in with a user
    }

    private static Task<IReadOnlyList<JsonObject>> LoadAsync(string file) => YamlFile.LoadAllAsync(RepoPaths.Deploy("kubernetes", file));

    private static JsonObject Workload(IReadOnlyList<JsonObject> documents) => documents.Single(d => d["kind"]!.GetValue<string>() == "Deployment");

    private static JsonNode PodSpec(IReadOnlyList<JsonObject> documents) => Workload(documents)["spec"]!["template"]!["spec"]!;

    private static JsonNode EdgeContainer(IReadOnlyList<JsonObject> documents) =>
        PodSpec(documents)["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "edge")!;

    private static JsonNode Fleet(IReadOnlyList<JsonObject> documents) =>
        JsonNode.Parse(documents.Single(d => d["kind"]!.GetValue<string>() == "ConfigMap")["data"]!["edge.json"]!.GetValue<string>())!["Fleet"]!;
}
