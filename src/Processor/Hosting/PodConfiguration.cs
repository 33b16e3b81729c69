using System.Collections;
using Microsoft.Extensions.Configuration;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// Builds a pod's <see cref="PodOptions"/> from, in increasing precedence: a JSON settings file (<c>--config</c>, or
/// <c>appsettings.json</c> in the working directory when present), environment variables <c>CC__Section__Key</c>
/// (e.g. <c>CC__Redis__Endpoint</c>) and command-line flags. Unknown keys are errors, so a misspelt key is not silently
/// ignored.
/// </summary>
internal static class PodConfiguration
{
    public const string EnvironmentPrefix = "CC__";
    public const string DefaultFile = "appsettings.json";

    public static PodOptions Bind(string? configFile, IDictionary environment, IReadOnlyDictionary<string, string?> flags)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full)) throw new FileNotFoundException($"settings file {configFile} does not exist", configFile);
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        else if (File.Exists(Path.GetFullPath(DefaultFile)))
        {
            builder.AddJsonFile(Path.GetFullPath(DefaultFile), optional: true, reloadOnChange: false);
        }
        var fromEnvironment = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                fromEnvironment[key[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = entry.Value as string;
        }
        builder.AddInMemoryCollection(fromEnvironment);
        builder.AddInMemoryCollection(flags);
        var configuration = builder.Build();
        return configuration.Get<PodOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new PodOptions();
    }
}
