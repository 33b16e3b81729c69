using System.Reflection;

namespace ContactCenter.Tests.Architecture;

/// <summary>
/// Every test class says what kind of test it is, so <c>scripts/test.sh --quick</c> can run the quick ones
/// (<c>Kind=Unit|Kind=Property</c>) and CI all of them. Unit: nothing outside the process; Property: FsCheck properties
/// that need nothing outside the process; Integration: starts a broker, Garnet, redis-server or another process;
/// ProcessKill: kills a process on purpose (crash and outage tests).
/// </summary>
[Trait("Kind", "Unit")]
public class TestKindTests
{
    private static readonly string[] Kinds = ["Unit", "Property", "Integration", "ProcessKill"];

    /// <summary>Classes xunit runs: not abstract, with a test method of their own or inherited.</summary>
    private static List<Type> TestClasses() => typeof(TestKindTests).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Any(IsTest))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToList();

    // FsCheck.Xunit's [Property] derives from FactAttribute, as does [Theory].
    private static bool IsTest(MethodInfo method) => method.GetCustomAttributes(typeof(FactAttribute), inherit: true).Length > 0;

    private static IEnumerable<string> KindTraits(MemberInfo member) => member.GetCustomAttributesData()
        .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "Kind")
        .Select(a => (string?)a.ConstructorArguments[1].Value ?? "(null)");

    [Fact]
    public void TheTestClassesAreFound()
    {
        var classes = TestClasses();
        Assert.True(classes.Count > 30, $"only {classes.Count} test classes found");
        Assert.Contains(typeof(TestKindTests), classes);
        Assert.Contains(typeof(FencedStateWriterOnGarnetTests), classes); // tests inherited from an abstract class
        Assert.Contains(typeof(ContactCenter.Tests.Topology.Aggregation.MergeProperties), classes); // FsCheck [Property] only
    }

    [Fact]
    public void EveryTestClassHasExactlyOneKnownKind()
    {
        var problems = new List<string>();
        foreach (var type in TestClasses())
        {
            // Declared on the class itself: a base class's trait would be easy to miss when reading the test.
            var kinds = KindTraits(type).ToList();
            if (kinds.Count != 1) problems.Add($"{type.FullName}: {kinds.Count} Kind traits, expected one of [Trait(\"Kind\", \"{string.Join("|", Kinds)}\")]");
            else if (!Kinds.Contains(kinds[0])) problems.Add($"{type.FullName}: unknown Kind '{kinds[0]}'");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void NoTestMethodOverridesItsClassKind()
    {
        // A method-level Kind would give the test two kinds and put it in both subsets.
        var methods = TestClasses()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => KindTraits(m).Any())
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}")
            .ToList();
        Assert.True(methods.Count == 0, string.Join("\n", methods));
    }

    [Fact]
    public void ClassesThatNeedABrokerOrRedisAreNotInTheQuickSubset()
    {
        var quick = new[] { "Unit", "Property" };
        var problems = new List<string>();
        foreach (var type in TestClasses())
        {
            var kind = KindTraits(type).FirstOrDefault();
            if (kind is null || !quick.Contains(kind)) continue;
            var needs = type.GetConstructors()
                .SelectMany(c => c.GetParameters())
                .Select(p => p.ParameterType)
                .Where(p => typeof(RedisBackend).IsAssignableFrom(p) || p == typeof(BrokerFixture))
                .Select(p => p.Name)
                .ToList();
            if (type.GetCustomAttributesData().Any(a => a.AttributeType == typeof(CollectionAttribute))) needs.Add("[Collection]");
            if (type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IClassFixture<>)
                    && i.GetGenericArguments()[0] == typeof(BrokerFixture)))
                needs.Add("IClassFixture<BrokerFixture>");
            if (needs.Count > 0) problems.Add($"{type.FullName} is {kind} but uses {string.Join(", ", needs)}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
