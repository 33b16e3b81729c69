namespace ContactCenter.Topology.Aggregation;

/// <summary>One source's contribution to an aggregate: the newest version seen and its fields.</summary>
public sealed class PartState
{
    public PartState(string name) => Name = name;

    public string Name { get; }

    /// <summary>Highest version applied for this part; older or equal versions are ignored.</summary>
    public long Version { get; set; }

    /// <summary>The newest event for this part was a DELETED.</summary>
    public bool Deleted { get; set; }

    /// <summary>Event time of the newest applied event (Unix ms).</summary>
    public long Timestamp { get; set; }

    public List<KeyValuePair<string, string>> Fields { get; } = new(8);
}

/// <summary>
/// The unified per-agent state: one <see cref="PartState"/> per source. It keeps versions even for deleted
/// parts so that a late, older event can never bring deleted data back.
/// </summary>
public sealed class UserAggregate
{
    public UserAggregate(string key) => Key = key;

    public string Key { get; }

    /// <summary>Parts ordered by name, so the encoding is deterministic.</summary>
    public List<PartState> Parts { get; } = new(3);

    /// <summary>Event time of the event that last changed the aggregate (Unix ms).</summary>
    public long Timestamp { get; set; }

    public PartState? Find(string part)
    {
        foreach (var p in Parts)
            if (p.Name == part) return p;
        return null;
    }

    public PartState GetOrAdd(string part)
    {
        var found = Find(part);
        if (found is not null) return found;
        var created = new PartState(part);
        var index = 0;
        while (index < Parts.Count && string.CompareOrdinal(Parts[index].Name, part) < 0) index++;
        Parts.Insert(index, created);
        return created;
    }

    /// <summary>The aggregate is deleted when its primary part's newest event was a DELETED.</summary>
    public bool IsDeleted(string primaryPart) => Find(primaryPart) is { Deleted: true };

    /// <summary>The value <see cref="LiveFields"/> gives <paramref name="name"/> last (a later part wins), without
    /// building a map of them all.</summary>
    public bool TryGetLiveField(string name, out string value)
    {
        for (var p = Parts.Count - 1; p >= 0; p--)
        {
            var part = Parts[p];
            if (part.Deleted) continue;
            var fields = part.Fields;
            for (var i = fields.Count - 1; i >= 0; i--)
            {
                if (string.Equals(fields[i].Key, name, StringComparison.Ordinal))
                {
                    value = fields[i].Value;
                    return true;
                }
            }
        }
        value = string.Empty;
        return false;
    }

    /// <summary>All live fields of all parts, in part order then field order.</summary>
    public IEnumerable<KeyValuePair<string, string>> LiveFields()
    {
        foreach (var part in Parts)
        {
            if (part.Deleted) continue;
            foreach (var field in part.Fields) yield return field;
        }
    }
}
