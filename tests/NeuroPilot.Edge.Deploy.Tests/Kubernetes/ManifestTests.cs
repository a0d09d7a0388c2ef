using System.Text.Json.Nodes;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Tls;

namespace NeuroPilot.Edge.Deploy.Tests.Kubernetes;

/// <summary>
/// deploy/kubernetes/*.yaml: valid YAML (a real parser), well-formed objects, and an edge container wired the way the
/// binary works: the config in the ConfigMap passes <c>neuropilot-edge check</c>, the probes hit /healthz and /readyz
/// on the admin port that config listens on, the tokens come from the Secret, and a PodDisruptionBudget covers the pods.
/// </summary>
public sealed class ManifestTests
{
    /// <summary>Where edge-standalone.yaml mounts its TLS Secret.</summary>
    private const string TlsFolder = "/etc/neuropilot-edge-tls";

    /// <summary>Where fleet.yaml mounts the etcd Secret (password, ca.crt).</summary>
    private const string EtcdFolder = "/etc/neuropilot-edge-etcd";

    public static TheoryData<string> WorkloadFiles() => ["sidecar.yaml", "edge-standalone.yaml", "fleet.yaml"];

    [Fact]
    public async Task EveryManifest_IsValidYaml_WithApiVersionKindAndName()
    {
        var files = Directory.GetFiles(RepoPaths.Deploy("kubernetes"), "*.yaml");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var documents = await YamlFile.LoadAllAsync(file);
            Assert.NotEmpty(documents);
            foreach (var document in documents)
            {
                Assert.False(string.IsNullOrEmpty(document["apiVersion"]?.GetValue<string>()), $"{file}: a document has no apiVersion");
                Assert.False(string.IsNullOrEmpty(document["kind"]?.GetValue<string>()), $"{file}: a document has no kind");
                Assert.False(string.IsNullOrEmpty(document["metadata"]?["name"]?.GetValue<string>()), $"{file}: a {document["kind"]} has no name");
            }
        }
    }

    [Theory]
    [MemberData(nameof(WorkloadFiles))]
    public async Task ConfigMapConfig_PassesCheck(string file)
    {
        var config = ConfigText(await LoadAsync(file));
        using var folder = new TempDirectory();

        // The TLS Secret's files, as cert-manager would write them (check reads them): a test CA's certificate for the hosts.
        using var certificates = new TestCertificates();
        var served = certificates.Issue("tls", ["api.example.com", "www.example.com"]);
        File.Copy(served.Certificate, folder.File("tls.crt"));
        File.Copy(served.Key, folder.File("tls.key"));
        config = config.Replace(TlsFolder + "/", folder.Path + "/", StringComparison.Ordinal);

        // The etcd Secret's files (fleet.yaml): a password and the CA etcd's certificates chain to.
        await File.WriteAllTextAsync(folder.File("password"), "test-password");
        File.Copy(certificates.Ca.Certificate, folder.File("ca.crt"));
        config = config.Replace(EtcdFolder + "/", folder.Path + "/", StringComparison.Ordinal);
        var path = folder.File("edge.json");
        await File.WriteAllTextAsync(path, config);

        var (exitCode, output) = await ChildProcess.RunToExitAsync(EdgeBinary.Path, ["check", "--config", path], TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, $"{file}: {output}");
    }

    [Fact]
    public async Task TlsSecret_IsMountedWholeAndReadable_WhereTheConfigsCertificatesAre_AndServedOnPort443()
    {
        var documents = await LoadAsync("edge-standalone.yaml");
        var edge = EdgeContainer(documents);
        var pod = Workload(documents)["spec"]!["template"]!["spec"]!;
        var tls = JsonNode.Parse(ConfigText(documents))!["Edge"]!["Tls"]!["Certificates"]![0]!;

        var mount = edge["volumeMounts"]!.AsArray().Single(m => m!["mountPath"]!.GetValue<string>() == TlsFolder)!;
        Assert.Null(mount["subPath"]); // a subPath mount is a copy the kubelet never updates: renewals would not arrive
        Assert.True(mount["readOnly"]!.GetValue<bool>());
        Assert.Equal($"{TlsFolder}/tls.crt", tls["CertificateFile"]!.GetValue<string>());
        Assert.Equal($"{TlsFolder}/tls.key", tls["KeyFile"]!.GetValue<string>());
        var volume = pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == mount["name"]!.GetValue<string>())!;
        var secretName = volume["secret"]!["secretName"]!.GetValue<string>();
        Assert.Equal(Convert.ToInt32("440", 8), volume["secret"]!["defaultMode"]!.GetValue<int>());
        Assert.Equal(pod["securityContext"]!["runAsGroup"]!.GetValue<int>(), pod["securityContext"]!["fsGroup"]!.GetValue<int>());

        var text = await File.ReadAllTextAsync(RepoPaths.Deploy("kubernetes", "edge-standalone.yaml"));
        Assert.Contains($"create secret tls {secretName}", text, StringComparison.Ordinal);
        var certificate = Single(await LoadAsync("certificate.yaml"), "Certificate");
        Assert.Equal(secretName, certificate["spec"]!["secretName"]!.GetValue<string>());

        Assert.Contains(edge["ports"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "https" && p["containerPort"]!.GetValue<int>() == 8443);
        Assert.Contains(Single(documents, "Service")["spec"]!["ports"]!.AsArray(), p => p!["port"]!.GetValue<int>() == 443 && p["targetPort"]!.GetValue<string>() == "https");
        Assert.Contains("https://0.0.0.0:8443", ConfigText(documents), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(WorkloadFiles))]
    public async Task EdgeContainer_ProbesTheAdminPortOfItsConfig_LivenessHealthz_ReadinessReadyz(string file)
    {
        var documents = await LoadAsync(file);
        var admin = new Uri(JsonNode.Parse(ConfigText(documents))!["Edge"]!["Admin"]!["Listen"]!.GetValue<string>());
        var edge = EdgeContainer(documents);

        var adminPort = edge["ports"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "edge-admin")!;
        Assert.Equal(admin.Port, adminPort["containerPort"]!.GetValue<int>());
        Assert.Equal("0.0.0.0", admin.Host);
        Assert.Equal(("/healthz", "edge-admin"), Probe(edge, "livenessProbe"));
        Assert.Equal(("/readyz", "edge-admin"), Probe(edge, "readinessProbe"));
        Assert.Equal(("/healthz", "edge-admin"), Probe(edge, "startupProbe"));
        Assert.Equal(new JsonArray("run", "--config", "/etc/neuropilot-edge/edge.json").ToJsonString(), edge["args"]!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(WorkloadFiles))]
    public async Task EdgeContainer_HasResources_RunsLocked_AndOutlivesItsDrain(string file)
    {
        var documents = await LoadAsync(file);
        var edge = EdgeContainer(documents);
        var pod = Workload(documents)["spec"]!["template"]!["spec"]!;

        Assert.NotNull(edge["resources"]?["requests"]?["cpu"]);
        Assert.NotNull(edge["resources"]?["requests"]?["memory"]);
        Assert.NotNull(edge["resources"]?["limits"]?["memory"]);
        var security = edge["securityContext"]!;
        Assert.False(security["allowPrivilegeEscalation"]!.GetValue<bool>());
        Assert.True(security["readOnlyRootFilesystem"]!.GetValue<bool>());
        Assert.Equal("[\"ALL\"]", security["capabilities"]!["drop"]!.ToJsonString());
        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());

        var drain = TimeSpan.Parse(JsonNode.Parse(ConfigText(documents))!["Edge"]!["DrainTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var preStop = edge["lifecycle"]?["preStop"]?["sleep"]?["seconds"]?.GetValue<int>() ?? 0;
        Assert.True(pod["terminationGracePeriodSeconds"]!.GetValue<int>() > drain.TotalSeconds + preStop, "terminationGracePeriodSeconds must exceed the drain and the preStop pause");
    }

    [Theory]
    [MemberData(nameof(WorkloadFiles))]
    public async Task EdgeContainer_TakesTokensFromASecretTheOperatorCreates_AndTheConfigFromTheConfigMap(string file)
    {
        var documents = await LoadAsync(file);
        var edge = EdgeContainer(documents);
        var configMap = Single(documents, "ConfigMap");
        var pod = Workload(documents)["spec"]!["template"]!["spec"]!;
        var text = await File.ReadAllTextAsync(RepoPaths.Deploy("kubernetes", file));

        // No token ships in a manifest (a placeholder that is applied as is becomes the admin token): the Secret is
        // created by the operator, and the header says how.
        Assert.DoesNotContain(documents, d => d["kind"]!.GetValue<string>() == "Secret");
        Assert.DoesNotContain("REPLACE_ME", text, StringComparison.Ordinal);
        var secretName = "";
        foreach (var variable in new[] { "NEUROPILOT_EDGE_ADMIN_TOKEN", "CLOUDFLARE_API_TOKEN" })
        {
            var reference = edge["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == variable)!["valueFrom"]!["secretKeyRef"]!;
            secretName = reference["name"]!.GetValue<string>();
            Assert.Contains($"create secret generic {secretName}", text, StringComparison.Ordinal);
            Assert.Contains($"--from-literal={reference["key"]!.GetValue<string>()}=", text, StringComparison.Ordinal);
        }

        var admin = edge["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "NEUROPILOT_EDGE_ADMIN_TOKEN")!["valueFrom"]!["secretKeyRef"]!;
        Assert.True(admin["optional"] is null || !admin["optional"]!.GetValue<bool>(), "the admin token must not be optional: without the Secret the pod must not start");

        var mount = edge["volumeMounts"]!.AsArray().Single(m => m!["mountPath"]!.GetValue<string>() == "/etc/neuropilot-edge")!;
        Assert.Null(mount["subPath"]);
        var volume = pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == mount["name"]!.GetValue<string>())!;
        Assert.Equal(configMap["metadata"]!["name"]!.GetValue<string>(), volume["configMap"]!["name"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(WorkloadFiles))]
    public async Task AdminPort_IsReachableOnlyFromTheMonitoringNamespace_ByANetworkPolicy(string file)
    {
        var documents = await LoadAsync(file);
        var labels = Workload(documents)["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var policies = documents.Where(d => d["kind"]!.GetValue<string>() == "NetworkPolicy" &&
            Selects(d["spec"]!["podSelector"]!["matchLabels"]!.AsObject(), labels)).ToList();

        var policy = Assert.Single(policies);
        Assert.Contains("Ingress", policy["spec"]!["policyTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        var rules = policy["spec"]!["ingress"]!.AsArray();
        Assert.All(rules, rule => Assert.True(rule!["ports"] is JsonArray { Count: > 0 }, $"{file}: an ingress rule without ports opens every port, the admin port included"));
        foreach (var rule in rules.Where(r => r!["ports"]!.AsArray().Any(p => p!["port"]!.ToString() is "edge-admin" or "9901")))
        {
            var from = rule!["from"]?.AsArray();
            Assert.True(from is { Count: > 0 }, $"{file}: the admin port is open to every source");
            Assert.All(from!, source => Assert.NotNull(source!["namespaceSelector"]?["matchLabels"]));
        }

        Assert.Contains(rules, r => r!["ports"]!.AsArray().Any(p => p!["port"]!.ToString() == "edge-admin"));
    }

    [Theory]
    [MemberData(nameof(WorkloadFiles))]
    public async Task PodDisruptionBudgetAndService_SelectTheWorkloadsPods(string file)
    {
        var documents = await LoadAsync(file);
        var labels = Workload(documents)["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var pdb = Single(documents, "PodDisruptionBudget");
        var service = Single(documents, "Service");

        Assert.Equal("policy/v1", pdb["apiVersion"]!.GetValue<string>());
        Assert.True(pdb["spec"]!["minAvailable"] is not null || pdb["spec"]!["maxUnavailable"] is not null);
        Assert.True(Selects(pdb["spec"]!["selector"]!["matchLabels"]!.AsObject(), labels), "the PDB selects no pod of the workload");
        Assert.True(Selects(service["spec"]!["selector"]!.AsObject(), labels), "the Service selects no pod of the workload");
        var target = service["spec"]!["ports"]![0]!["targetPort"]!.GetValue<string>();
        Assert.Contains(EdgeContainer(documents)["ports"]!.AsArray(), p => p!["name"]!.GetValue<string>() == target);
    }

    [Fact]
    public async Task PodMonitor_ScrapesTheEdgeAdminPortAsJobNeuropilotEdge()
    {
        var monitor = Single(await LoadAsync("podmonitor.yaml"), "PodMonitor");
        var endpoint = monitor["spec"]!["podMetricsEndpoints"]![0]!;

        Assert.Equal("edge-admin", endpoint["port"]!.GetValue<string>());
        Assert.Equal("/metrics", endpoint["path"]!.GetValue<string>());
        Assert.Contains(endpoint["relabelings"]!.AsArray(), r => r!["targetLabel"]!.GetValue<string>() == "job" && r["replacement"]!.GetValue<string>() == "neuropilot-edge");
    }

    private static Task<IReadOnlyList<JsonObject>> LoadAsync(string file) => YamlFile.LoadAllAsync(RepoPaths.Deploy("kubernetes", file));

    private static JsonObject Single(IReadOnlyList<JsonObject> documents, string kind) =>
        documents.Single(d => d["kind"]!.GetValue<string>() == kind);

    private static JsonObject Workload(IReadOnlyList<JsonObject> documents) =>
        documents.Single(d => d["kind"]!.GetValue<string>() is "Deployment" or "DaemonSet" or "StatefulSet");

    private static JsonNode EdgeContainer(IReadOnlyList<JsonObject> documents) =>
        Workload(documents)["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "edge")!;

    private static string ConfigText(IReadOnlyList<JsonObject> documents) =>
        Single(documents, "ConfigMap")["data"]!["edge.json"]!.GetValue<string>();

    private static (string Path, string Port) Probe(JsonNode container, string probe)
    {
        var get = container[probe]!["httpGet"]!;
        return (get["path"]!.GetValue<string>(), get["port"]!.ToString());
    }

    private static bool Selects(JsonObject selector, JsonObject labels) =>
        selector.Count > 0 && selector.All(s => labels[s.Key]?.GetValue<string>() == s.Value!.GetValue<string>());
}
