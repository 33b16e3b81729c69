using ContactCenter.Processor.Kafka;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ContactCenter.Sandbox.Kafka;

/// <summary>
/// Finds a loadable librdkafka for this assembly's P/Invokes. librdkafka.redist ships several Linux builds side
/// by side; the plain <c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, which Debian 12 does not have, so the
/// self-contained <c>centos8-librdkafka.so</c> is the usual winner there. Loading by full path means the loader
/// hands back the very copy Confluent.Kafka picked when it made the same choice.
/// </summary>
internal static class LibrdkafkaLocator
{
    /// <summary>The name our <c>[LibraryImport]</c>s use; only the resolver below knows what it maps to.</summary>
    internal const string ImportName = "contactcenter-librdkafka";

    private static readonly Lock Gate = new();
    private static bool _registered;
    private static string? _loadedFrom;

    /// <summary>The file the resolver loaded, once a P/Invoke has been made (for diagnostics and docs).</summary>
    internal static string? LoadedFrom => _loadedFrom;

    /// <summary>Registers the resolver for this assembly once; later calls do nothing.</summary>
    internal static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaLocator).Assembly, Resolve);
            _registered = true;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != ImportName) return IntPtr.Zero; // someone else's import: default probing
        var tried = new List<string>();
        foreach (var candidate in Candidates())
        {
            tried.Add(candidate);
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                _loadedFrom = candidate;
                return handle;
            }
        }
        throw new DllNotFoundException(
            "No loadable librdkafka was found (is the librdkafka.redist package restored?). Tried: " +
            string.Join(", ", tried));
    }

    /// <summary>Candidate files in preference order: the app's runtimes folder first, then the NuGet cache.</summary>
    internal static IEnumerable<string> Candidates()
    {
        var (rid, names) = PlatformNames();
        var appNative = Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native");
        foreach (var name in names) yield return Path.Combine(appNative, name);
        foreach (var name in names) yield return Path.Combine(AppContext.BaseDirectory, name);

        // Fallback for hosts that run from a folder without the runtimes tree (e.g. a trimmed copy):
        // the package as NuGet restored it, newest version first.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var redist = Path.Combine(packages, "librdkafka.redist");
        if (!Directory.Exists(redist)) yield break;
        var versions = Directory.GetDirectories(redist)
            .OrderByDescending(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version(0, 0));
        foreach (var version in versions)
        foreach (var name in names)
            yield return Path.Combine(version, "runtimes", rid, "native", name);
    }

    private static (string Rid, string[] Names) PlatformNames()
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            _ => "x64",
        };
        if (OperatingSystem.IsWindows()) return ($"win-{arch}", ["librdkafka.dll"]);
        if (OperatingSystem.IsMacOS()) return ($"osx-{arch}", ["librdkafka.dylib"]);
        // Same order as Confluent.Kafka on glibc systems, so both end up with the same file; musl last.
        return ($"linux-{arch}", ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"]);
    }
}
