namespace ContactCenter.Topology.Files;

/// <summary>
/// Pairs the entries of the running topology with those of the new one, so that the same change gets the same
/// verdict however it is spelled: an entry is matched by name, then by what it physically is (a source's topic, a
/// sink's topic, key pattern or queue, a stage's consumer group), then by its role (a stage writing the same
/// sinks), and finally, when exactly one source or sink of a kind is left on each side, those two are the same
/// entry renamed and changed at once.
/// </summary>
internal sealed class PlanMatcher
{
    private PlanMatcher(TopologyModel old, TopologyModel @new)
    {
        Sources = Match(old.Sources, @new.Sources, s => s.Name.Value, [s => s.Topic.Value], _ => "source", pairLeftovers: true);
        Sinks = Match(old.Sinks, @new.Sinks, s => s.Name.Value, [Identity], s => s.Kind.ToString(), pairLeftovers: true);
        // A stage left over on both sides is not paired: replacing one stage by another is a removal and an addition.
        Stages = Match(old.Stages, @new.Stages, s => s.Name.Value, [s => s.Group.Value, WrittenIn(old, Rename)], _ => "stage", pairLeftovers: false);
    }

    public static PlanMatcher Create(TopologyModel old, TopologyModel @new) => new(old, @new);

    /// <summary>Old source to its new form (absent: removed).</summary>
    public IReadOnlyDictionary<SourceDef, SourceDef> Sources { get; }

    /// <summary>Old sink to its new form (absent: removed).</summary>
    public IReadOnlyDictionary<SinkDef, SinkDef> Sinks { get; }

    /// <summary>Old stage to its new form (absent: removed).</summary>
    public IReadOnlyDictionary<StageDef, StageDef> Stages { get; }

    /// <summary>The new name of an old source or sink name (the name itself when it was not matched).</summary>
    public string Rename(string oldName)
    {
        foreach (var (o, n) in Sources) if (o.Name.Value == oldName) return n.Name.Value;
        foreach (var (o, n) in Sinks) if (o.Name.Value == oldName) return n.Name.Value;
        return oldName;
    }

    private static string Identity(SinkDef s) => s.Kind switch
    {
        SinkKind.Kafka => "kafka " + s.Topic!.Value,
        SinkKind.Redis => "redis " + s.KeyPattern!.Value,
        _ => "queue " + s.Queue!.Value,
    };

    // A stage is what it writes: its sinks (under their new names, dead letters aside), sorted.
    private static Func<StageDef, string> WrittenIn(TopologyModel old, Func<string, string> rename) => stage =>
    {
        var isOld = old.Stages.Contains(stage);
        return string.Join(",", stage.Sinks.Select(s => isOld ? rename(s.Value) : s.Value).Order(StringComparer.Ordinal));
    };

    private static Dictionary<T, T> Match<T>(IReadOnlyList<T> olds, IReadOnlyList<T> news, Func<T, string> name,
        IReadOnlyList<Func<T, string>> identities, Func<T, string> kind, bool pairLeftovers) where T : class
    {
        var pairs = new Dictionary<T, T>(ReferenceEqualityComparer.Instance);
        var taken = new HashSet<T>(ReferenceEqualityComparer.Instance);
        void Pair(T o, T n) { pairs[o] = n; taken.Add(n); }

        foreach (var o in olds)
        {
            if (news.FirstOrDefault(n => name(n) == name(o) && !taken.Contains(n)) is { } n) Pair(o, n);
        }
        foreach (var identity in identities)
        {
            foreach (var o in olds.Where(o => !pairs.ContainsKey(o)))
            {
                var candidates = news.Where(n => !taken.Contains(n) && kind(n) == kind(o) && identity(n) == identity(o)).ToList();
                if (candidates.Count == 1) Pair(o, candidates[0]);
            }
        }
        if (!pairLeftovers) return pairs;
        foreach (var group in olds.Where(o => !pairs.ContainsKey(o)).GroupBy(kind))
        {
            var left = news.Where(n => !taken.Contains(n) && kind(n) == group.Key).ToList();
            if (group.Count() == 1 && left.Count == 1) Pair(group.First(), left[0]);
        }
        return pairs;
    }
}
