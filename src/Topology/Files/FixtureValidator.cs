namespace ContactCenter.Topology.Files;

/// <summary>
/// Checks a fixture's expectations against its topology before anything runs: every expected topic must be one a
/// stage writes (a Kafka sink or a dead-letter topic) and every expected Redis key must match the key pattern of a
/// Redis sink a stage writes. Otherwise a misspelt name would silently assert nothing, or fail with a confusing
/// "missing record" diff; it is an error with a "did you mean".
/// </summary>
internal static class FixtureValidator
{
    /// <summary>Reports expectations the topology cannot produce; <paramref name="fixture"/> is read through <see cref="FixtureFormat.Root"/>.</summary>
    public static void CheckExpectations(Obj fixture, TopologyModel model, DiagnosticBag diags)
    {
        if (fixture.Object("expect") is not { } expect) return;
        var written = model.Stages.SelectMany(s => s.Sinks.Append(s.DeadLetter)).Select(r => r.Value)
            .Concat(model.Windows.SelectMany(w => new[] { w.Changelog.Value, w.DeadLetter.Value })).ToHashSet(StringComparer.Ordinal);
        var topics = model.Sinks.Where(s => s.Kind == SinkKind.Kafka && written.Contains(s.Name.Value)).Select(s => s.Topic!.Value).Distinct().ToList();
        var patterns = model.Sinks.Where(s => s.Kind == SinkKind.Redis && written.Contains(s.Name.Value)).Select(s => s.KeyPattern!.Value).ToList();

        foreach (var (topic, _) in Entries(expect, "topics"))
        {
            if (topics.Contains(topic.Value)) continue;
            var why = model.Sources.Any(s => s.Topic.Value == topic.Value)
                ? "is a source topic: no stage writes it"
                : "is not a topic any stage of the topology writes";
            diags.Error(topic.Pos, $"expected topic '{topic.Value}' {why}{EditDistance.Hint(topic.Value, topics)}; the topology writes: {string.Join(", ", topics)}");
        }

        var recordKeys = fixture.List<Obj>("input").Select(i => i.Str("key")?.Value).OfType<string>().Distinct().ToList();
        foreach (var (key, _) in Entries(expect, "redis"))
        {
            if (patterns.Any(p => Matches(p, key.Value))) continue;
            // A count's hash (type: count) is a Redis key a stage writes too.
            if (model.Stages.SelectMany(s => s.Processors.OfType<CountDef>()).Any(c => c.Key.Value == key.Value)) continue;
            // A window's hash is one too.
            if (model.Windows.Any(w => MatchesWindow(w.KeyPattern.Value, key.Value))) continue;
            var candidates = patterns.SelectMany(p => recordKeys.Select(k => p.Replace("{key}", k, StringComparison.Ordinal)));
            var hint = EditDistance.Hint(key.Value, candidates);
            diags.Error(key.Pos, patterns.Count == 0
                ? $"expected Redis key '{key.Value}', but no stage of the topology writes Redis"
                : $"expected Redis key '{key.Value}' matches no Redis key pattern of the topology ({string.Join(", ", patterns)}){hint}");
        }
    }

    /// <summary>Whether <paramref name="key"/> is <paramref name="pattern"/> with a non-empty record key in place of <c>{key}</c>.</summary>
    internal static bool Matches(string pattern, string key)
    {
        var at = pattern.IndexOf("{key}", StringComparison.Ordinal);
        if (at < 0) return pattern == key;
        var prefix = pattern[..at];
        var suffix = pattern[(at + "{key}".Length)..];
        return key.Length > prefix.Length + suffix.Length
            && key.StartsWith(prefix, StringComparison.Ordinal)
            && key.EndsWith(suffix, StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="key"/> is a window key of <paramref name="pattern"/>: each <c>{field}</c> a group
    /// value (record-key characters), then <c>:</c> and the window start.</summary>
    internal static bool MatchesWindow(string pattern, string key)
    {
        var regex = "^" + string.Concat(System.Text.RegularExpressions.Regex.Split(pattern, @"(\{[^{}]*\})")
            .Select(part => part.StartsWith('{') ? "[A-Za-z0-9._@+-]+" : System.Text.RegularExpressions.Regex.Escape(part))) + ":-?[0-9]+$";
        return System.Text.RegularExpressions.Regex.IsMatch(key, regex, System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static IEnumerable<KeyValuePair<Loc<string>, object?>> Entries(Obj expect, string field) =>
        expect.Values.GetValueOrDefault(field) is Loc<List<KeyValuePair<Loc<string>, object?>>> entries ? entries.Value : [];
}
