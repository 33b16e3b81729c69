using System.Globalization;
using System.Text.Json;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// The GC and JIT settings the pod ships with (the <c>configProperties</c> of <c>contactcenter.runtimeconfig.json</c>,
/// copied next to this benchmark by the build), as the runtime's environment variables, so that the engine's worker
/// runs with the pod's settings rather than this benchmark's. Environment variables take precedence over a
/// runtimeconfig.json. Settings without a known variable are listed, not guessed.
/// </summary>
internal static class PodRuntimeSettings
{
    private static readonly Dictionary<string, (string Variable, bool Hex)> Known = new(StringComparer.Ordinal)
    {
        ["System.GC.Server"] = ("DOTNET_gcServer", false),
        ["System.GC.Concurrent"] = ("DOTNET_gcConcurrent", false),
        ["System.GC.RetainVM"] = ("DOTNET_GCRetainVM", false),
        ["System.GC.ConserveMemory"] = ("DOTNET_GCConserveMemory", false),
        ["System.GC.HeapCount"] = ("DOTNET_GCHeapCount", true),
        ["System.GC.HeapHardLimit"] = ("DOTNET_GCHeapHardLimit", true),
        ["System.GC.DynamicAdaptationMode"] = ("DOTNET_GCDynamicAdaptationMode", false),
        ["System.GC.Gen0Size"] = ("DOTNET_GCgen0size", true),
        ["System.Runtime.TieredCompilation"] = ("DOTNET_TieredCompilation", false),
        ["System.Runtime.TieredCompilation.QuickJitForLoops"] = ("DOTNET_TC_QuickJitForLoops", false),
        ["System.Runtime.TieredPGO"] = ("DOTNET_TieredPGO", false),
        ["System.Threading.ThreadPool.MinThreads"] = ("DOTNET_ThreadPool_ForceMinWorkerThreads", true),
    };

    /// <summary>Variables for the pod's settings, and the settings that could not be carried over.</summary>
    public static (Dictionary<string, string> Environment, List<string> Ignored) Read()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        var file = Path.Combine(AppContext.BaseDirectory, "contactcenter.runtimeconfig.json");
        if (!File.Exists(file)) return (environment, [$"{file} not found"]);
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        if (!json.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)) return (environment, ignored);
        foreach (var property in properties.EnumerateObject())
        {
            if (!property.Name.StartsWith("System.GC.", StringComparison.Ordinal) && !property.Name.StartsWith("System.Runtime.Tiered", StringComparison.Ordinal)
                && !property.Name.StartsWith("System.Threading.ThreadPool.", StringComparison.Ordinal))
                continue;
            if (!Known.TryGetValue(property.Name, out var known))
            {
                ignored.Add(property.Name);
                continue;
            }
            var value = property.Value.ValueKind switch
            {
                JsonValueKind.True => "1",
                JsonValueKind.False => "0",
                JsonValueKind.Number when known.Hex => property.Value.GetInt64().ToString("x", CultureInfo.InvariantCulture),
                _ => property.Value.ToString(),
            };
            environment[known.Variable] = value;
        }
        return (environment, ignored);
    }
}
