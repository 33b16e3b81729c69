using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ContactCenter.Tests.Architecture;

/// <summary>
/// The three rooms keep one job each: Topology says what to compute and knows no Kafka client, Streamiz, Redis or
/// FASTER; Stores says where state lives and knows nothing of Topology or Processor; only Processor (how it runs) sees
/// both. Checked on the compiled assemblies, on the project files and on the source (no console output outside the
/// executable).
/// </summary>
[Trait("Kind", "Unit")]
public class DependencyRuleTests
{
    private static readonly Assembly TopologyAssembly = typeof(ContactCenter.Topology.Spec.PipelineSpec).Assembly;
    private static readonly Assembly StoresAssembly = typeof(ContactCenter.Stores.AggregateStores).Assembly;
    private static readonly Assembly ProcessorAssembly = typeof(ContactCenter.Processor.Pipeline.StageCounters).Assembly;

    private static HashSet<string> References(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void TheAssembliesAreTheOnesTheRulesNameAndTheRulesCanSeeTheirReferences()
    {
        // Guards the checks below against passing because they look at the wrong assembly or at none.
        Assert.Equal("ContactCenter.Topology", TopologyAssembly.GetName().Name);
        Assert.Equal("ContactCenter.Stores", StoresAssembly.GetName().Name);
        Assert.Equal("contactcenter", ProcessorAssembly.GetName().Name);
        Assert.Contains("YamlDotNet", References(TopologyAssembly));
        Assert.Contains("Streamiz.Kafka.Net", References(StoresAssembly));
        Assert.Contains("ContactCenter.Topology", References(ProcessorAssembly));
        Assert.Contains("ContactCenter.Stores", References(ProcessorAssembly));
    }

    [Theory]
    [InlineData("ContactCenter.Stores")]
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
    [InlineData("contactcenter")]
    [InlineData("ContactCenter.Testing")]
    public void StoresReferencesNeitherTopologyNorProcessor(string forbidden)
    {
        Assert.DoesNotContain(forbidden, References(StoresAssembly));
    }

    [Fact]
    public void ProcessorDoesNotReferenceTheTestUtilities()
    {
        Assert.DoesNotContain("ContactCenter.Testing", References(ProcessorAssembly));
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
    public void NoConsoleOutsideTheExecutable(string folder)
    {
        var files = Directory.GetFiles(Repo.File(folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .ToList();
        Assert.True(files.Count > 10, $"only {files.Count} source files found under {folder}");
        var console = new Regex(@"\bConsole\s*\.|using\s+static\s+System\.Console\b");
        var hits = new List<string>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal)) continue;
                if (console.IsMatch(code)) hits.Add($"{Path.GetRelativePath(Repo.Root, file)}:{i + 1}: {code}");
            }
        }
        Assert.True(hits.Count == 0, "console use outside src/Processor:\n" + string.Join("\n", hits));
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
