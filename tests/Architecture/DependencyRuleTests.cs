using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Tests.Architecture;

/// <summary>
/// The rooms keep one job each (docs/architecture.md): Topology says what to compute and knows no Kafka client,
/// Streamiz, Redis or FASTER; Stores says where state lives and knows nothing of Topology or Processor; Processor (how
/// a pod runs) sees both but neither the broker nor the sandbox; the broker references nothing of ours; only the
/// executable prints. Checked on the compiled assemblies, on the project files and on the source.
/// </summary>
[Trait("Kind", "Unit")]
public class DependencyRuleTests
{
    private static readonly Assembly TopologyAssembly = typeof(ContactCenter.Topology.Spec.PipelineSpec).Assembly;
    private static readonly Assembly StoresAssembly = typeof(ContactCenter.Stores.AggregateStores).Assembly;
    private static readonly Assembly ProcessorAssembly = typeof(ContactCenter.Processor.Stages.StageCounters).Assembly;
    private static readonly Assembly BrokerAssembly = typeof(ContactCenter.Broker.KafkaBroker).Assembly;
    private static readonly Assembly SandboxAssembly = typeof(ContactCenter.Sandbox.Kafka.LocalKafka).Assembly;
    private static readonly Assembly CliAssembly = typeof(ContactCenter.Cli.CommandCatalog).Assembly;

    private static HashSet<string> References(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void TheAssembliesAreTheOnesTheRulesNameAndTheRulesCanSeeTheirReferences()
    {
        // Guards the checks below against passing because they look at the wrong assembly or at none.
        Assert.Equal("ContactCenter.Topology", TopologyAssembly.GetName().Name);
        Assert.Equal("ContactCenter.Stores", StoresAssembly.GetName().Name);
        Assert.Equal("ContactCenter.Processor", ProcessorAssembly.GetName().Name);
        Assert.Equal("ContactCenter.Broker", BrokerAssembly.GetName().Name);
        Assert.Equal("ContactCenter.Sandbox", SandboxAssembly.GetName().Name);
        Assert.Equal("contactcenter", CliAssembly.GetName().Name);
        Assert.Contains("YamlDotNet", References(TopologyAssembly));
        Assert.Contains("Streamiz.Kafka.Net", References(StoresAssembly));
        Assert.Contains("ContactCenter.Topology", References(ProcessorAssembly));
        Assert.Contains("ContactCenter.Stores", References(ProcessorAssembly));
        Assert.Contains("ContactCenter.Broker", References(SandboxAssembly));
        Assert.Contains("ContactCenter.Sandbox", References(CliAssembly));
    }

    [Theory]
    [InlineData("ContactCenter.Stores")]
    [InlineData("ContactCenter.Processor")]
    [InlineData("ContactCenter.Sandbox")]
    [InlineData("ContactCenter.Broker")]
    [InlineData("contactcenter")]
    [InlineData("ContactCenter.Testing")]
    [InlineData("Streamiz.Kafka.Net")]
    [InlineData("Confluent.Kafka")]
    [InlineData("StackExchange.Redis")]
    [InlineData("FASTER.core")]
    public void TopologyReferencesNoRuntimeAssembly(string forbidden)
    {
        Assert.DoesNotContain(forbidden, References(TopologyAssembly));
    }

    [Theory]
    [InlineData("ContactCenter.Topology")]
    [InlineData("ContactCenter.Processor")]
    [InlineData("ContactCenter.Sandbox")]
    [InlineData("ContactCenter.Broker")]
    [InlineData("contactcenter")]
    [InlineData("ContactCenter.Testing")]
    public void StoresReferencesNeitherTopologyNorProcessor(string forbidden)
    {
        Assert.DoesNotContain(forbidden, References(StoresAssembly));
    }

    /// <summary>What runs in a pod never depends on what only a developer's machine needs.</summary>
    [Theory]
    [InlineData("ContactCenter.Sandbox")]
    [InlineData("ContactCenter.Broker")]
    [InlineData("contactcenter")]
    [InlineData("ContactCenter.Testing")]
    [InlineData("Microsoft.Garnet")]
    [InlineData("Garnet.server")]
    [InlineData("System.CommandLine")]
    public void ProcessorReferencesNeitherSandboxNorBroker(string forbidden)
    {
        Assert.DoesNotContain(forbidden, References(ProcessorAssembly));
    }

    /// <summary>The broker is a piece any .NET test suite could use: nothing of ours, no Kafka client.</summary>
    [Fact]
    public void BrokerReferencesNoProjectOfOurs()
    {
        var ours = References(BrokerAssembly).Where(r => r.StartsWith("ContactCenter", StringComparison.OrdinalIgnoreCase) || r == "contactcenter").ToList();
        Assert.Empty(ours);
        Assert.DoesNotContain("Confluent.Kafka", References(BrokerAssembly));
        var project = XDocument.Load(Repo.File("src/Broker/ContactCenter.Broker.csproj"));
        Assert.DoesNotContain(project.Descendants(), e => e.Name.LocalName == "ProjectReference");
    }

    [Fact]
    public void TopologyProjectReferencesOnlyYamlDotNet()
    {
        var project = XDocument.Load(Repo.File("src/Topology/ContactCenter.Topology.csproj"));
        // SDK-style project files have no XML namespace; LocalName keeps the check honest if one is ever added.
        var items = project.Descendants().Where(e => e.Parent?.Name.LocalName == "ItemGroup").ToList();
        Assert.DoesNotContain(items, e => e.Name.LocalName is "ProjectReference" or "Reference" or "COMReference");
        var packages = items.Where(e => e.Name.LocalName == "PackageReference")
            .Select(e => (string?)e.Attribute("Include") ?? (string?)e.Attribute("Update") ?? "(no Include)")
            .ToList();
        Assert.Equal(["YamlDotNet"], packages);
    }

    [Theory]
    [InlineData("src/Stores")]
    [InlineData("src/Topology")]
    [InlineData("src/Processor")]
    [InlineData("src/Broker")]
    [InlineData("src/Sandbox")]
    public void NoConsoleOutsideTheExecutable(string folder)
    {
        var console = new Regex(@"\bConsole\s*\.|using\s+static\s+System\.Console\b");
        var hits = new List<string>();
        foreach (var (file, lines) in SourceFiles(folder))
        {
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal)) continue;
                if (console.IsMatch(code)) hits.Add($"{Path.GetRelativePath(Repo.Root, file)}:{i + 1}: {code}");
            }
        }
        Assert.True(hits.Count == 0, "console use outside src/Cli:\n" + string.Join("\n", hits));
    }

    /// <summary>
    /// Every Kafka client a pod or a verb creates comes from its <c>KafkaClientSettings</c> (security and client id
    /// included); the settings-less helpers of <c>KafkaClientDefaults</c> are for tests, benchmarks and the sandbox.
    /// </summary>
    [Fact]
    public void ProductionKafkaClientsComeFromTheSettingsObject()
    {
        var bypass = new Regex(@"KafkaClientDefaults\.(Producer|Consumer|Admin|ConsumerForEmbedded)\(|new (Producer|Consumer|AdminClient)Config\s*[({]");
        var hits = new List<string>();
        foreach (var folder in new[] { "src/Processor", "src/Cli" })
        {
            foreach (var (file, lines) in SourceFiles(folder))
            {
                if (file.EndsWith("KafkaClientSettings.cs", StringComparison.Ordinal) || file.EndsWith("KafkaClientDefaults.cs", StringComparison.Ordinal)) continue;
                for (var i = 0; i < lines.Length; i++)
                {
                    var code = lines[i].TrimStart();
                    if (!code.StartsWith("//", StringComparison.Ordinal) && bypass.IsMatch(code)) hits.Add($"{Path.GetRelativePath(Repo.Root, file)}:{i + 1}: {code}");
                }
            }
        }
        Assert.True(hits.Count == 0, "Kafka clients built without the settings object:\n" + string.Join("\n", hits));
    }

    /// <summary>
    /// No folder of a project imports another folder that imports it back, directly or through others: a folder is a
    /// layer a newcomer can read on its own. Edges come from using directives and fully qualified names.
    /// </summary>
    [Theory]
    [InlineData("src/Topology", "ContactCenter.Topology")]
    [InlineData("src/Stores", "ContactCenter.Stores")]
    [InlineData("src/Processor", "ContactCenter.Processor")]
    [InlineData("src/Broker", "ContactCenter.Broker")]
    [InlineData("src/Sandbox", "ContactCenter.Sandbox")]
    public void NoNamespaceCyclesInsideAProject(string folder, string root)
    {
        var graph = NamespaceGraph(folder, root);
        Assert.True(graph.Count > 2, $"only {graph.Count} namespaces found under {folder}");
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"namespaces of {folder} import each other in a cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void TheCycleCheckFindsACycle()
    {
        var graph = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
        graph["C"].Clear();
        Assert.Null(FindCycle(graph));
    }

    internal static Dictionary<string, HashSet<string>> NamespaceGraph(string folder, string root)
    {
        var reference = new Regex(@"\b(" + Regex.Escape(root) + @"(?:\.[A-Z]\w*)+)");
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var files = SourceFiles(folder).ToList();
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, lines) in files)
        {
            foreach (var line in lines)
                if (line.StartsWith("namespace ", StringComparison.Ordinal)) namespaces.Add(line["namespace ".Length..].TrimEnd(';', ' '));
        }
        foreach (var (_, lines) in files)
        {
            var ns = lines.FirstOrDefault(l => l.StartsWith("namespace ", StringComparison.Ordinal))?["namespace ".Length..].TrimEnd(';', ' ');
            if (ns is null) continue;
            var edges = graph.TryGetValue(ns, out var e) ? e : graph[ns] = [];
            foreach (var line in lines)
            {
                var code = line.TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal) || code.StartsWith("namespace ", StringComparison.Ordinal)) continue;
                foreach (Match m in reference.Matches(code))
                {
                    // The longest prefix that is a namespace of this project (a qualified name may end in a type).
                    var target = m.Groups[1].Value;
                    while (!namespaces.Contains(target) && target.Contains('.')) target = target[..target.LastIndexOf('.')];
                    if (namespaces.Contains(target) && target != ns && !ns.StartsWith(target + ".", StringComparison.Ordinal)) edges.Add(target);
                }
            }
        }
        return graph;
    }

    internal static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in (graph.TryGetValue(node, out var n) ? n : []).Order(StringComparer.Ordinal))
            {
                var s = state.GetValueOrDefault(next);
                if (s == 1) return [.. path.Skip(path.IndexOf(next)), next];
                if (s == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }

    private static IEnumerable<(string File, string[] Lines)> SourceFiles(string folder)
    {
        var files = Directory.GetFiles(Repo.File(folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .ToList();
        Assert.True(files.Count > 5, $"only {files.Count} source files found under {folder}");
        return files.Select(f => (f, File.ReadAllLines(f)));
    }

    /// <summary>Tests mirror src: every folder of tests is a folder of src (or the test helpers' own).</summary>
    [Fact]
    public void TestFoldersMirrorSourceFolders()
    {
        string[] own = ["Architecture", "Support", "Testing", "bin", "obj", "TestResults"];
        var tests = Path.Combine(Repo.Root, "tests");
        var strays = Directory.GetDirectories(tests, "*", SearchOption.AllDirectories)
            .Select(d => Path.GetRelativePath(tests, d))
            .Where(d => !own.Contains(d.Split(Path.DirectorySeparatorChar)[0]))
            .Where(d => !Directory.Exists(Path.Combine(Repo.Root, "src", d)))
            .ToList();
        Assert.True(strays.Count == 0, "test folders without a src folder: " + string.Join(", ", strays));
        Assert.True(Directory.Exists(Path.Combine(tests, "Topology", "Files")), "the rule must see the mirrored folders");
    }
}
