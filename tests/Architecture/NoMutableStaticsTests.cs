using System.Reflection;
using System.Runtime.CompilerServices;

namespace ContactCenter.Tests.Architecture;

/// <summary>
/// Settings are objects passed in, never mutable statics (a process-wide static once made every verb but <c>run</c>
/// connect to a secured cluster without its security). Checked on the compiled assemblies of src: no static field that
/// can be assigned after the type is initialised, which also catches static properties with a setter.
/// </summary>
[Trait("Kind", "Unit")]
public class NoMutableStaticsTests
{
    public static TheoryData<string> Assemblies() => new()
    {
        "ContactCenter.Topology", "ContactCenter.Stores", "ContactCenter.Processor", "ContactCenter.Broker", "ContactCenter.Sandbox", "contactcenter",
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void NoStaticFieldCanBeReassigned(string assemblyName)
    {
        var assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == assemblyName)
            ?? Assembly.Load(assemblyName);
        var mutable = MutableStatics(assembly).ToList();
        Assert.True(mutable.Count == 0, $"mutable static state in {assemblyName}:\n" + string.Join("\n", mutable));
    }

    [Fact]
    public void TheCheckFindsAMutableStatic()
    {
        Assert.Contains(MutableStatics(typeof(NoMutableStaticsTests).Assembly), f => f.EndsWith(nameof(Sample) + "." + "<Setting>k__BackingField", StringComparison.Ordinal));
    }

    internal static IEnumerable<string> MutableStatics(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            if (type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) || type.Name.Contains('<', StringComparison.Ordinal)) continue;
            foreach (var field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.IsInitOnly || field.IsLiteral) continue;
                // A per-thread scratch buffer is a cache, not state anyone configures.
                if (field.IsDefined(typeof(ThreadStaticAttribute), inherit: false)) continue;
                // .NET takes one native-library resolver per assembly per process: which file it loaded is process state.
                if (type.FullName == "ContactCenter.Sandbox.Kafka.LibrdkafkaLocator") continue;
                // Source-generated regex and JSON contexts keep their caches in static fields they own.
                if (type.Namespace?.StartsWith("System.", StringComparison.Ordinal) == true) continue;
                if (field.Name.Contains('<', StringComparison.Ordinal) && !field.Name.EndsWith("k__BackingField", StringComparison.Ordinal)) continue;
                yield return $"{type.FullName}.{field.Name}";
            }
        }
    }

    private static class Sample
    {
        public static int Setting { get; set; }
    }
}
