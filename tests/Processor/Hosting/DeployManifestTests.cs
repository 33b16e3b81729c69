using System.Collections;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Pipeline;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>
/// deploy/ cannot be exercised here (no container daemon), so it is checked against what the pod really does: every
/// manifest parses; probes, scrape annotations and ports name the endpoints <c>run</c> serves on the port its settings
/// give; the settings ConfigMap binds to the pod's options without an unknown key; the topology mount is where the pod
/// reads it; the grace periods fit; PDBs and HPAs point at the Deployments; the Dockerfile runs <c>run</c> as non-root.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class DeployManifestTests
{
    private static readonly string Deploy = Path.Combine(RepoPaths.Root(), "deploy");

    [Fact]
    public void Every_manifest_parses_and_each_stage_has_a_deployment_a_pdb_and_an_hpa()
    {
        var docs = Documents();
        Assert.NotEmpty(docs);
        Assert.All(docs, d => Assert.False(string.IsNullOrEmpty(Str(d.Node, "kind")), $"{d.File}: a document without kind"));
        var deployments = docs.Where(d => Str(d.Node, "kind") == "Deployment").ToList();
        Assert.Equal(2, deployments.Count);
        foreach (var (file, deployment) in deployments)
        {
            var name = Str(deployment, "metadata", "name");
            var labels = Map(deployment, "spec", "selector", "matchLabels");
            Assert.Equal(labels, Map(deployment, "spec", "template", "metadata", "labels").Where(kv => labels.ContainsKey(kv.Key)).ToDictionary());
            Assert.Contains(docs, d => Str(d.Node, "kind") == "PodDisruptionBudget" && Same(Map(d.Node, "spec", "selector", "matchLabels"), labels));
            Assert.Contains(docs, d => Str(d.Node, "kind") == "HorizontalPodAutoscaler" && Str(d.Node, "spec", "scaleTargetRef", "name") == name);
        }
        var kustomization = File.ReadAllText(Path.Combine(Deploy, "k8s", "kustomization.yaml"));
        foreach (var file in Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").Select(Path.GetFileName))
        {
            if (file is "kustomization.yaml" or "secrets.example.yaml") continue;
            Assert.Contains(file!, kustomization, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Probes_and_scrape_annotations_name_what_the_pod_serves_on_its_port()
    {
        var settings = Settings();
        foreach (var (file, deployment) in Documents().Where(d => Str(d.Node, "kind") == "Deployment"))
        {
            var pod = Get(deployment, "spec", "template", "spec")!;
            var container = Assert.Single(Seq(pod, "containers"));
            var args = Seq(container, "args").Select(a => ((YamlScalarNode)a).Value!).ToArray();
            var environment = Seq(container, "env").ToDictionary(e => Str(e, "name"), e => (object?)Str(e, "value"));
            var options = PodConfiguration.Bind(null, new Hashtable(environment.Where(kv => kv.Key.StartsWith("CC__", StringComparison.Ordinal)).ToDictionary()),
                Flags(args, settings));

            var ports = Seq(container, "ports").ToDictionary(p => Str(p, "name"), p => int.Parse(Str(p, "containerPort"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(options.Http.Port, ports["http"]);
            Assert.Equal(PodWeb.Healthz, Str(container, "livenessProbe", "httpGet", "path"));
            Assert.Equal(PodWeb.Healthz, Str(container, "startupProbe", "httpGet", "path"));
            Assert.Equal(PodWeb.Readyz, Str(container, "readinessProbe", "httpGet", "path"));
            foreach (var probe in new[] { "livenessProbe", "startupProbe", "readinessProbe" })
                Assert.Contains(Str(container, probe, "httpGet", "port"), new[] { "http", options.Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

            var annotations = Map(deployment, "spec", "template", "metadata", "annotations");
            Assert.Equal("true", annotations["prometheus.io/scrape"]);
            Assert.Equal(options.Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
            Assert.Equal(PodWeb.Metrics, annotations["prometheus.io/path"]);

            // The stage, the topology mount, the grace period, non-root.
            Assert.True(Enum.IsDefined(options.Stages) && options.Stages != PipelineHost.Stages.All, $"{file}: one stage per Deployment");
            var mounts = Seq(container, "volumeMounts").ToDictionary(m => Str(m, "name"), m => Str(m, "mountPath"));
            var volumes = Seq(pod, "volumes").ToDictionary(v => Str(v, "name"), v => v);
            var topologyVolume = Assert.Single(volumes, v => Get(v.Value, "configMap") is not null && Str(v.Value, "configMap", "name") == "cc-topology");
            Assert.StartsWith(mounts[topologyVolume.Key] + "/", options.Topology, StringComparison.Ordinal);
            Assert.True(int.Parse(Str(pod, "terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture) > options.Shutdown.GracePeriod.TotalSeconds,
                $"{file}: terminationGracePeriodSeconds must exceed Shutdown:GracePeriod {options.Shutdown.GracePeriod}");
            Assert.Equal("true", Str(pod, "securityContext", "runAsNonRoot"));
            Assert.StartsWith(mounts["settings"] + "/", args[Array.IndexOf(args, "--config") + 1], StringComparison.Ordinal);
            Assert.StartsWith(mounts["secrets"] + "/", options.Redis.PasswordFile!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_Dockerfile_builds_in_stages_and_runs_the_pod_as_a_non_root_user_on_the_probed_port()
    {
        var lines = File.ReadAllLines(Path.Combine(Deploy, "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.True(lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, "multi-stage");
        Assert.Contains(lines, l => l.StartsWith("COPY --from=build", StringComparison.Ordinal));
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotContain("root", user, StringComparison.Ordinal);
        Assert.Contains("EXPOSE 8080", lines);
        Assert.Contains(lines, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains("contactcenter.dll", StringComparison.Ordinal) && l.Contains("\"run\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("CC__Topology=/etc/contactcenter/topology/topology.yaml", StringComparison.Ordinal));
    }

    /// <summary>The settings ConfigMap's appsettings.json as flags-equivalent keys, plus the container's own flags.</summary>
    private static Dictionary<string, string?> Flags(string[] args, string settingsJson)
    {
        var file = Path.Combine(Path.GetTempPath(), $"cc-deploy-settings-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, settingsJson);
        try
        {
            // Secret files do not exist here: bind the JSON (unknown keys throw), then check the keys separately.
            var bound = PodConfiguration.Bind(file, new Hashtable(), new Dictionary<string, string?>());
            var flags = new Dictionary<string, string?>
            {
                ["Http:Port"] = bound.Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Shutdown:GracePeriod"] = bound.Shutdown.GracePeriod.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
                ["Redis:PasswordFile"] = bound.Redis.PasswordFile,
            };
            for (var i = 0; i < args.Length - 1; i++)
            {
                if (args[i] == "--stages") flags["Stages"] = args[i + 1];
            }
            return flags;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Settings()
    {
        var configMap = Documents().Single(d => Str(d.Node, "kind") == "ConfigMap" && Str(d.Node, "metadata", "name") == "cc-settings");
        return Str(configMap.Node, "data", "appsettings.json");
    }

    private static List<(string File, YamlNode Node)> Documents()
    {
        var result = new List<(string, YamlNode)>();
        foreach (var file in Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").Order())
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            result.AddRange(stream.Documents.Where(d => d.RootNode is YamlMappingNode).Select(d => (Path.GetFileName(file), d.RootNode)));
        }
        return result;
    }

    private static YamlNode? Get(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next)) return null;
            node = next;
        }
        return node;
    }

    private static string Str(YamlNode node, params string[] path) => (Get(node, path) as YamlScalarNode)?.Value ?? "";

    private static IEnumerable<YamlNode> Seq(YamlNode node, params string[] path) => (Get(node, path) as YamlSequenceNode)?.Children ?? [];

    private static Dictionary<string, string> Map(YamlNode node, params string[] path) =>
        (Get(node, path) as YamlMappingNode)?.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value ?? "") ?? [];

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
