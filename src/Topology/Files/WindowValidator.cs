using System.Text.RegularExpressions;

namespace ContactCenter.Topology.Files;

/// <summary>
/// The rules of <c>windows:</c> entries the field tables cannot see: names, groups, stores and key patterns are
/// unique (with the stages' and sinks'), the stream and its fields exist, the window shape is sound (size a multiple
/// of advance, retention covering size and grace), the changelog and dead-letter sinks fit, and no key can land in
/// another owner's namespace. Every rule reports and carries on.
/// </summary>
internal sealed partial class WindowValidator(TopologyModel model, DiagnosticBag diags)
{
    public static void Validate(TopologyModel model, DiagnosticBag diags)
    {
        if (model.Windows.Count > 0) new WindowValidator(model, diags).Run();
    }

    [GeneratedRegex(@"\{([^{}]*)\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Placeholder();

    /// <summary>The group-by fields a key pattern names, in order.</summary>
    internal static IReadOnlyList<string> Placeholders(string keyPattern) =>
        Placeholder().Matches(keyPattern).Select(m => m.Groups[1].Value).ToList();

    private void Run()
    {
        Unique(model.Windows.Select(w => w.Name).Concat(model.Stages.Select(s => s.Name)), "stage or window name");
        Unique(model.Stages.Select(s => s.Group).Concat(model.Windows.Select(w => w.Group)), "consumer group");
        Unique(model.Stages.SelectMany(s => s.Stores).Select(s => s.Name).Concat(model.Windows.Select(w => w.Store)), "store name");
        Unique(model.Windows.Select(w => w.KeyPattern), "window key pattern");
        Unique(model.Windows.Select(w => w.Changelog), "window changelog");
        foreach (var window in model.Windows) Check(window);
    }

    private void Unique(IEnumerable<Loc<string>> names, string what)
    {
        var seen = new Dictionary<string, Pos>(StringComparer.Ordinal);
        foreach (var n in names)
        {
            if (seen.TryGetValue(n.Value, out var first))
            {
                // Duplicates among the stages alone are the stage validator's to report.
                if (model.Windows.Any(w => Contains(w, n.Pos)))
                    diags.Error(n.Pos, $"duplicate {what} '{n.Value}' (first declared at {first.Line}:{first.Column})");
            }
            else seen[n.Value] = n.Pos;
        }
        static bool Contains(WindowDef w, Pos p) => w.Name.Pos == p || w.Group.Pos == p || w.Store.Pos == p || w.KeyPattern.Pos == p || w.Changelog.Pos == p;
    }

    private bool Known(string name) => model.Incomplete.Contains(name) || EditDistance.Suggest(name, model.Incomplete) is not null;

    private void Check(WindowDef window)
    {
        var name = window.Name.Value;
        var input = model.Readable(window.From.Value);
        if (input is null)
        {
            if (model.Sink(window.From.Value) is { } other)
                diags.Error(window.From.Pos, $"window '{name}' reads '{window.From.Value}', a {other.Kind.ToString().ToLowerInvariant()} sink: windows read sources and Kafka sinks only");
            else if (!Known(window.From.Value))
                diags.Error(window.From.Pos, $"window '{name}' reads unknown stream '{window.From.Value}'{EditDistance.Hint(window.From.Value, model.Sources.Select(s => s.Name.Value).Concat(model.Sinks.Where(s => s.Kind == SinkKind.Kafka).Select(s => s.Name.Value)))}");
        }
        else if (window.Replicas.Value > input.Value.Partitions)
            diags.Warning(window.Replicas.Pos, $"window '{name}' runs {window.Replicas.Value} replicas but its input has {input.Value.Partitions} partitions: {window.Replicas.Value - input.Value.Partitions} pod(s) will sit idle");

        CheckShape(window);
        CheckFields(window);
        CheckKeyPattern(window);
        CheckChangelog(window, input?.Partitions);

        if (model.Sink(window.DeadLetter.Value) is { } dlq)
        {
            if (dlq.Kind != SinkKind.Kafka)
                diags.Error(window.DeadLetter.Pos, $"dead-letter '{window.DeadLetter.Value}' of window '{name}' must be a Kafka sink, not a {dlq.Kind.ToString().ToLowerInvariant()} sink");
            else if (dlq.Name.Value == window.From.Value)
                diags.Error(window.DeadLetter.Pos, $"window '{name}' reads its own dead-letter topic '{window.DeadLetter.Value}'");
        }
        else if (!Known(window.DeadLetter.Value))
            diags.Error(window.DeadLetter.Pos, $"dead-letter '{window.DeadLetter.Value}' of window '{name}' is not a sink{EditDistance.Hint(window.DeadLetter.Value, model.Sinks.Where(s => s.Kind == SinkKind.Kafka).Select(s => s.Name.Value))}");
    }

    private void CheckShape(WindowDef window)
    {
        var name = window.Name.Value;
        var size = window.Size.Value;
        if (window.Advance is { } advance)
        {
            if (advance.Value > size)
                diags.Error(advance.Pos, $"window '{name}': advance {DurationType.Format(advance.Value)} is greater than size {DurationType.Format(size)}: records between two windows would be counted nowhere");
            else if (size.Ticks % advance.Value.Ticks != 0)
                diags.Error(advance.Pos, $"window '{name}': size {DurationType.Format(size)} is not a multiple of advance {DurationType.Format(advance.Value)}");
        }
        var needed = size + window.GraceOrZero;
        if (window.Retention.Value < needed)
            diags.Error(window.Retention.Pos, $"window '{name}': retention {DurationType.Format(window.Retention.Value)} is shorter than size + grace ({DurationType.Format(needed)}): windows would be dropped before they close");
        if (window.Where is { } where)
        {
            var tests = (where.EqualsValue is null ? 0 : 1) + (where.In is null ? 0 : 1);
            if (tests != 1)
                diags.Error(where.Pos, $"window '{name}': where must set exactly one of 'equals' or 'in' (it sets {tests})");
        }
    }

    /// <summary>The fields records of <paramref name="from"/> carry, and whether that list is complete (null: unknown).</summary>
    private (HashSet<string> Fields, bool Complete)? FieldsOf(string from)
    {
        if (model.Source(from) is { } source)
        {
            // A source's events may carry fields no merge maps: the known ones are those the merge maps, plus the key.
            var mapped = model.Stages.Select(s => s.Merge).OfType<MergeDef>().SelectMany(m => m.Parts)
                .Where(p => p.Source.Value == from).SelectMany(p => p.Fields.Select(f => f.Key.Value)).Append(source.Key.Value);
            return (mapped.ToHashSet(StringComparer.Ordinal), false);
        }
        var writers = model.Writers(from).ToList();
        if (writers.Count == 1 && writers[0].Merge is { } merge)
            return (merge.Parts.SelectMany(p => p.Fields.Select(f => f.Value.Value)).ToHashSet(StringComparer.Ordinal), true);
        return null;
    }

    private void CheckFields(WindowDef window)
    {
        var name = window.Name.Value;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in window.GroupBy.Where(f => !seen.Add(f.Value)))
            diags.Error(field.Pos, $"window '{name}' groups by '{field.Value}' twice");
        if (FieldsOf(window.From.Value) is not { } known) return;
        var named = window.GroupBy.Select(f => (f, "groups by")).ToList();
        if (window.Where is { } where) named.Add((where.Field, "selects on"));
        if (window.OncePer is { } oncePer) named.Add((oncePer, "counts once per"));
        foreach (var (field, verb) in named.Where(n => !known.Fields.Contains(n.Item1.Value)))
        {
            var message = $"window '{name}' {verb} '{field.Value}', which '{window.From.Value}' does not carry{EditDistance.Hint(field.Value, known.Fields)}";
            if (known.Complete) diags.Error(field.Pos, message);
            else diags.Warning(field.Pos, message + " (no merge maps it)");
        }
    }

    private void CheckKeyPattern(WindowDef window)
    {
        var name = window.Name.Value;
        var pattern = window.KeyPattern;
        var placeholders = Placeholders(pattern.Value);
        var groupBy = window.GroupBy.Select(g => g.Value).ToList();
        foreach (var p in placeholders.Where(p => !groupBy.Contains(p)))
            diags.Error(pattern.Pos, $"key pattern '{pattern.Value}' of window '{name}' names {{{p}}}, which is not a group-by field ({string.Join(", ", groupBy)})");
        foreach (var g in groupBy.Where(g => !placeholders.Contains(g)))
            diags.Error(pattern.Pos, $"key pattern '{pattern.Value}' of window '{name}' has no {{{g}}}: groups differing only in '{g}' would share one key");
        foreach (var p in placeholders.GroupBy(p => p).Where(g => g.Count() > 1))
            diags.Error(pattern.Pos, $"key pattern '{pattern.Value}' of window '{name}' names {{{p.Key}}} twice");

        // Group values follow the record-key rule (no ':'), so a window's keys all start with the text before its first
        // placeholder; they must stay out of every namespace another owner holds.
        var prefix = pattern.Value[..Math.Max(0, pattern.Value.IndexOf('{', StringComparison.Ordinal))];
        var owned = new List<(string Prefix, string Owner)>
        {
            (Spec.RedisKeyspace.OffsetsPrefix + ":", "the stages' offsets"),
            (Spec.RedisKeyspace.EpochPrefix + ":", "the stages' epochs"),
        };
        owned.AddRange(model.Stages.SelectMany(s => s.Processors.OfType<DedupDef>()).Select(d => (d.KeyPrefix.Value, $"dedup '{d.Name.Value}' claims")));
        owned.AddRange(model.Sinks.Where(s => s.Kind == SinkKind.Queue).Select(q => (q.Queue!.Value, $"queue sink '{q.Name.Value}'")));
        owned.AddRange(model.Windows.Where(w => w != window).Select(w => (w.KeyPattern.Value[..Math.Max(0, w.KeyPattern.Value.IndexOf('{', StringComparison.Ordinal))], $"window '{w.Name.Value}'")));
        foreach (var (ns, owner) in owned.Where(o => o.Prefix.Length > 0))
        {
            if (prefix.StartsWith(ns, StringComparison.Ordinal) || ns.StartsWith(prefix, StringComparison.Ordinal))
                diags.Error(pattern.Pos, $"key pattern '{pattern.Value}' of window '{name}' can produce keys under '{ns}' ({owner})");
        }
        foreach (var sink in model.Sinks.Where(s => s.Kind == SinkKind.Redis && prefix.Length > 0))
        {
            if (KeyspaceCheck.CanReach(sink.KeyPattern!.Value, prefix))
                diags.Error(sink.KeyPattern.Pos, $"key pattern '{sink.KeyPattern.Value}' of Redis sink '{sink.Name.Value}' can produce keys under '{prefix}' (window '{name}'): an agent id could overwrite its counts");
        }
    }

    private void CheckChangelog(WindowDef window, int? inputPartitions)
    {
        var name = window.Name.Value;
        var changelog = window.Changelog;
        if (model.Sink(changelog.Value) is not { Kind: SinkKind.Kafka } sink)
        {
            if (!Known(changelog.Value))
                diags.Error(changelog.Pos, $"changelog '{changelog.Value}' of window '{name}' must be a Kafka sink{EditDistance.Hint(changelog.Value, model.Sinks.Where(s => s.Kind == SinkKind.Kafka).Select(s => s.Name.Value))}");
            return;
        }
        var expected = TopologyValidator.ChangelogTopicName(window.Group.Value, window.Store.Value);
        if (sink.Topic!.Value != expected)
            diags.Error(sink.Topic.Pos, $"changelog sink '{changelog.Value}' of window '{name}' must use topic '{expected}' (the engine names a store's changelog '<group>-<store>-changelog')");
        if (inputPartitions is { } partitions && sink.Partitions!.Value != partitions)
            diags.Error(sink.Partitions.Pos, $"changelog '{changelog.Value}' of window '{name}' has {sink.Partitions.Value} partitions but its input has {partitions}: each input partition keeps its windows in the same changelog partition");
        if (model.Writers(changelog.Value).Any() || changelog.Value == window.From.Value || changelog.Value == window.DeadLetter.Value)
            diags.Error(changelog.Pos, $"changelog '{changelog.Value}' of window '{name}' must be written by the window alone");
    }
}
