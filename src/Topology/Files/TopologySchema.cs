using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContactCenter.Topology.Files;

/// <summary>The JSON Schema of topology files, generated from the loader's field tables (<c>contactcenter schema</c>).</summary>
internal static class TopologySchema
{
    /// <summary>Where the schema is kept in the repository, for editors (<c># yaml-language-server: $schema=...</c>).</summary>
    public const string RepositoryPath = "topologies/topology.schema.json";

    /// <summary>The schema text (indented JSON, LF line ends, trailing newline).</summary>
    public static string Generate()
    {
        var schema = TopologyFormat.Root.Schema();
        var document = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://contactcenter.local/schemas/topology.schema.json",
        };
        foreach (var (name, value) in schema) document[name] = value?.DeepClone();
        var text = document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return text.Replace("\r\n", "\n") + "\n";
    }
}
