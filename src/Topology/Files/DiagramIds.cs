using System.Text;

namespace ContactCenter.Topology.Files;

/// <summary>
/// Node ids for diagrams: <c>kind_name</c> with every character outside [A-Za-z0-9] replaced by '_', made unique.
/// Names that differ only in replaced characters (<c>a.b</c>, <c>a-b</c>, <c>a_b</c>) get <c>_2</c>, <c>_3</c>, ...
/// in order of first use, so no two entries ever share a node. The same kind and name always get the same id.
/// </summary>
internal sealed class DiagramIds
{
    private readonly Dictionary<(string Kind, string Name), string> _ids = [];
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public string For(string kind, string name)
    {
        if (_ids.TryGetValue((kind, name), out var id)) return id;
        var sb = new StringBuilder(kind.Length + 1 + name.Length).Append(kind).Append('_');
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        var baseId = sb.ToString();
        id = baseId;
        for (var n = 2; !_taken.Add(id); n++) id = $"{baseId}_{n}";
        _ids[(kind, name)] = id;
        return id;
    }
}
