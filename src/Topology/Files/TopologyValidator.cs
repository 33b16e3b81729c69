namespace ContactCenter.Topology.Files;

/// <summary>
/// The semantic rules of a topology file (everything the field tables cannot see): names are unique, references
/// resolve, sources read together are co-partitioned, a consumer group never mixes source and derived topics,
/// no stage reads its own output (directly or through a cycle), replicas fit the partitions, and the merge's
/// parts do not collide. Every rule reports and carries on, so one run shows all problems.
/// </summary>
internal sealed partial class TopologyValidator(TopologyModel model, DiagnosticBag diags)
{
    public static void Validate(TopologyModel model, DiagnosticBag diags) => new TopologyValidator(model, diags).Run();

    private void Run()
    {
        UniqueNames();
        foreach (var stage in model.Stages) CheckStage(stage);
        CheckCycles();
        CheckKeyspaces();
        WindowValidator.Validate(model, diags);
        // "Not used" warnings in a file with errors mostly restate them (a misspelt reference leaves its target unused).
        if (!diags.HasErrors) CheckUnused();
    }

    /// <summary>No agent id may address the engine's own keys or another sink's: offsets, dedup claims, queues.</summary>
    private void CheckKeyspaces()
    {
        var owned = new List<(string Prefix, string Owner)>
        {
            (Spec.RedisKeyspace.OffsetsPrefix + ":", "the stages' offsets"),
            (Spec.RedisKeyspace.EpochPrefix + ":", "the stages' epochs"),
        };
        foreach (var stage in model.Stages)
        {
            foreach (var dedup in stage.Processors.OfType<DedupDef>())
                owned.Add((dedup.KeyPrefix.Value, $"dedup '{dedup.Name.Value}' claims"));
            foreach (var count in stage.Processors.OfType<CountDef>())
                owned.Add((count.Key.Value, $"count '{count.Name.Value}'"));
        }
        foreach (var queue in model.Sinks.Where(s => s.Kind == SinkKind.Queue))
            owned.Add((queue.Queue!.Value, $"queue sink '{queue.Name.Value}'"));
        foreach (var sink in model.Sinks.Where(s => s.Kind == SinkKind.Redis))
        {
            foreach (var (_, to) in sink.Fields.Where(f => Spec.RedisKeyspace.FenceFields.Contains(f.Value.Value)))
                diags.Error(to.Pos, $"Redis sink '{sink.Name.Value}' maps a field onto '{to.Value}', which the write fence keeps in every hash ({string.Join(", ", Spec.RedisKeyspace.FenceFields)}): choose another name");
            foreach (var (prefix, owner) in owned)
            {
                if (KeyspaceCheck.CanReach(sink.KeyPattern!.Value, prefix))
                    diags.Error(sink.KeyPattern.Pos, $"key pattern '{sink.KeyPattern.Value}' of Redis sink '{sink.Name.Value}' can produce keys under '{prefix}' ({owner}): an agent id could overwrite them");
            }
        }
    }

    private void Duplicates<T>(IEnumerable<T> items, Func<T, Loc<string>?> name, string what)
    {
        var seen = new Dictionary<string, Pos>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (name(item) is not { } n) continue;
            if (seen.TryGetValue(n.Value, out var first))
                diags.Error(n.Pos, $"duplicate {what} '{n.Value}' (first declared at {first.Line}:{first.Column})");
            else seen[n.Value] = n.Pos;
        }
    }

    private void UniqueNames()
    {
        Duplicates(model.Sources, s => s.Name, "source name");
        Duplicates(model.Sinks, s => s.Name, "sink name");
        Duplicates(model.Stages, s => s.Name, "stage name");
        Duplicates(model.Stages, s => s.Group, "consumer group");
        Duplicates(model.Stages.SelectMany(s => s.Stores), s => s.Name, "store name");
        Duplicates(model.Sinks.Where(s => s.Kind == SinkKind.Redis), s => s.KeyPattern, "Redis key pattern");
        Duplicates(model.Sinks.Where(s => s.Kind == SinkKind.Queue), s => s.Queue, "queue");
        Duplicates(model.Sources.Select(s => s.Topic).Concat(model.Sinks.Where(s => s.Kind == SinkKind.Kafka).Select(s => s.Topic!)), t => t, "topic");
        var sourceNames = model.Sources.Select(s => s.Name.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var sink in model.Sinks)
        {
            if (sourceNames.Contains(sink.Name.Value))
                diags.Error(sink.Name.Pos, $"sink '{sink.Name.Value}' has the name of a source: stages could not tell which one they read");
        }
    }

    /// <summary>
    /// Whether <paramref name="name"/> may refer to an entry that was already reported as invalid (left out of the
    /// model): then an "unknown reference" error would only restate that error.
    /// </summary>
    private bool Known(string name) => model.Incomplete.Contains(name) || EditDistance.Suggest(name, model.Incomplete) is not null;

    private IEnumerable<string> ReadableNames() =>
        model.Sources.Select(s => s.Name.Value).Concat(model.Sinks.Where(s => s.Kind == SinkKind.Kafka).Select(s => s.Name.Value));

    private void CheckStage(StageDef stage)
    {
        var stageName = stage.Name.Value;
        var reads = new List<(Loc<string> Ref, string Topic, int Partitions, bool Derived, SourceDef? Source)>();
        var seenReads = new HashSet<string>(StringComparer.Ordinal);
        // Set when a read, sink or changelog reference did not resolve (already reported): checks that count
        // reads or sinks would then only restate that error.
        var unresolved = false;
        foreach (var read in stage.Reads)
        {
            if (!seenReads.Add(read.Value))
            {
                diags.Warning(read.Pos, $"stage '{stageName}' reads '{read.Value}' twice");
                continue;
            }
            if (model.Readable(read.Value) is { } r)
                reads.Add((read, r.Topic, r.Partitions, r.Derived, model.Source(read.Value)));
            else if (model.Sink(read.Value) is { } other)
            {
                unresolved = true;
                diags.Error(read.Pos, $"stage '{stageName}' reads '{read.Value}', a {other.Kind.ToString().ToLowerInvariant()} sink: stages read sources and Kafka sinks only");
            }
            else
            {
                unresolved = true;
                if (!Known(read.Value))
                    diags.Error(read.Pos, $"stage '{stageName}' reads '{read.Value}', which is neither a source nor a Kafka sink{EditDistance.Hint(read.Value, ReadableNames())}");
            }
        }

        var sinks = new List<SinkDef>();
        foreach (var sinkRef in stage.Sinks)
        {
            if (model.Sink(sinkRef.Value) is { } sink)
            {
                sinks.Add(sink);
                if (reads.Any(r => r.Ref.Value == sinkRef.Value))
                    diags.Error(sinkRef.Pos, $"stage '{stageName}' reads its own output '{sinkRef.Value}'");
            }
            else
            {
                unresolved = true;
                if (!Known(sinkRef.Value))
                    diags.Error(sinkRef.Pos, $"stage '{stageName}' writes to unknown sink '{sinkRef.Value}'{EditDistance.Hint(sinkRef.Value, model.Sinks.Select(s => s.Name.Value))}");
            }
        }

        if (model.Sink(stage.DeadLetter.Value) is { } dlq)
        {
            if (dlq.Kind != SinkKind.Kafka)
                diags.Error(stage.DeadLetter.Pos, $"dead-letter '{stage.DeadLetter.Value}' must be a Kafka sink, not a {dlq.Kind.ToString().ToLowerInvariant()} sink");
            else if (seenReads.Contains(stage.DeadLetter.Value))
                diags.Error(stage.DeadLetter.Pos, $"stage '{stageName}' reads its own dead-letter topic '{stage.DeadLetter.Value}'");
        }
        else if (!Known(stage.DeadLetter.Value))
            diags.Error(stage.DeadLetter.Pos, $"dead-letter '{stage.DeadLetter.Value}' is not a sink{EditDistance.Hint(stage.DeadLetter.Value, model.Sinks.Where(s => s.Kind == SinkKind.Kafka).Select(s => s.Name.Value))}");

        // Exactly-once covers what Kafka transactions cover: a merge stage's Kafka outputs and its input offsets. A
        // queue stage's side effects (HTTP calls) happen outside any transaction; the file must not promise more.
        if (stage.ExactlyOnce && stage.Merge is null && stage.Sinks.Any(s => model.Sink(s.Value)?.Kind == SinkKind.Queue))
            diags.Warning(stage.ProcessingGuarantee!.Pos,
                $"stage '{stageName}' is exactly-once but writes to a queue: its side effects run outside Kafka transactions (at least once); exactly-once here only makes it read read_committed");

        // A consumer group's committed offsets and its task assignment span everything it reads: mixing source
        // topics with a topic the pipeline derives couples their lag and rebalances, so it is refused.
        var firstSource = reads.FirstOrDefault(r => !r.Derived);
        var firstDerived = reads.FirstOrDefault(r => r.Derived);
        if (firstSource.Ref is not null && firstDerived.Ref is not null)
            diags.Error(firstDerived.Ref.Pos, $"consumer group '{stage.Group.Value}' (stage '{stageName}') reads source topic '{firstSource.Topic}' and derived topic '{firstDerived.Topic}': a derived topic must be read by its own stage and group");

        if (reads.Count > 1)
        {
            var first = reads[0];
            foreach (var r in reads.Skip(1))
            {
                if (r.Partitions != first.Partitions)
                    diags.Error(r.Ref.Pos, $"'{r.Ref.Value}' ({r.Topic}) has {r.Partitions} partitions but '{first.Ref.Value}' ({first.Topic}) has {first.Partitions}: topics read together must be co-partitioned");
                if (r.Source is { } s && first.Source is { } f && s.Key.Value != f.Key.Value)
                    diags.Error(r.Ref.Pos, $"'{r.Ref.Value}' is keyed by '{s.Key.Value}' but '{first.Ref.Value}' by '{f.Key.Value}': topics read together must share their key");
            }
        }
        if (reads.Count > 0)
        {
            var partitions = reads.Max(r => r.Partitions);
            if (stage.Replicas.Value > partitions)
                diags.Warning(stage.Replicas.Pos, $"stage '{stageName}' runs {stage.Replicas.Value} replicas but its input has {partitions} partitions: {stage.Replicas.Value - partitions} pod(s) will sit idle");
        }

        Duplicates(stage.Processors, p => p.Name, $"processor name in stage '{stageName}'");
        foreach (var store in stage.Stores)
        {
            var changelog = store.Changelog.Value;
            if (!stage.Sinks.Any(s => s.Value == changelog) || model.Sink(changelog) is not { Kind: SinkKind.Kafka } sink)
            {
                unresolved = true;
                if (!Known(changelog))
                    diags.Error(store.Changelog.Pos, $"changelog '{changelog}' of store '{store.Name.Value}' must be a Kafka sink written by stage '{stageName}'{EditDistance.Hint(changelog, stage.Sinks.Select(r => r.Value).Where(n => model.Sink(n) is { Kind: SinkKind.Kafka }))}");
            }
            else
            {
                if (reads.Count > 0 && sink.Partitions!.Value != reads[0].Partitions)
                    diags.Error(store.Changelog.Pos, $"changelog '{changelog}' has {sink.Partitions.Value} partitions but the stage's input has {reads[0].Partitions}: a changelog must match its store's partitions");
                // Streamiz names a store's changelog topic itself; the file states that name so it is never a surprise.
                var expected = ChangelogTopicName(stage.Group.Value, store.Name.Value);
                if (sink.Topic!.Value != expected)
                    diags.Error(sink.Topic.Pos, $"changelog sink '{changelog}' of store '{store.Name.Value}' must use topic '{expected}' (the engine names a store's changelog '<group>-<store>-changelog')");
            }
        }

        var merges = stage.Processors.OfType<MergeDef>().ToList();
        foreach (var extra in merges.Skip(1))
            diags.Error(extra.Name.Pos, $"stage '{stageName}' has more than one merge processor; one merge handles all its sources");
        // A merge whose store was left out (invalid, already reported) cannot tell its changelog from its output.
        if (merges.Count > 0 && !stage.Stores.Any(s => s.Name.Value == merges[0].Store.Value)) unresolved = true;
        if (merges.Count > 0)
            CheckMerge(stage, merges[0], reads.Select(r => (r.Ref, r.Derived)).ToList(), sinks, unresolved);

        foreach (var processor in stage.Processors)
        {
            switch (processor)
            {
                case FilterDef f:
                    var tests = (f.EqualsValue is null ? 0 : 1) + (f.In is null ? 0 : 1) + (f.Exists is null ? 0 : 1);
                    if (tests != 1)
                        diags.Error(f.Name.Pos, $"filter '{f.Name.Value}' must set exactly one of 'equals', 'in' or 'exists' (it sets {tests})");
                    break;
                case MapDef m when m.Rename.Count == 0 && m.Drop.Count == 0 && m.Set.Count == 0:
                    diags.Error(m.Name.Pos, $"map '{m.Name.Value}' does nothing: set 'rename', 'drop' or 'set'");
                    break;
            }
        }

        if (stage.Merge is null) CheckAgentTable(stage, sinks);
        if (sinks.Count == 0 && stage.Sinks.Count == 0)
            diags.Warning(stage.Name.Pos, $"stage '{stageName}' writes to no sink");
        CheckFieldFlow(stage, sinks);
    }

    private void CheckMerge(StageDef stage, MergeDef merge, List<(Loc<string> Ref, bool Derived)> reads, List<SinkDef> sinks, bool unresolved)
    {
        var stageName = stage.Name.Value;
        foreach (var other in stage.Processors.Where(p => p is not MergeDef))
            diags.Error(other.Name.Pos, $"processor '{other.Name.Value}' ({other.Type}) cannot run in stage '{stageName}': a merge stage runs only its merge; put {other.Type} in the stage that reads the merged topic");
        if (!stage.Stores.Any(s => s.Name.Value == merge.Store.Value) && !Known(merge.Store.Value))
            diags.Error(merge.Store.Pos, $"merge '{merge.Name.Value}' uses store '{merge.Store.Value}', which stage '{stageName}' does not declare{EditDistance.Hint(merge.Store.Value, stage.Stores.Select(s => s.Name.Value))}");
        foreach (var read in reads.Where(r => r.Derived))
            diags.Error(read.Ref.Pos, $"merge stage '{stageName}' reads derived topic '{read.Ref.Value}': a merge reads source topics only");

        var changelogs = stage.Stores.Select(s => s.Changelog.Value).ToHashSet(StringComparer.Ordinal);
        var kafkaOut = sinks.Where(s => s.Kind == SinkKind.Kafka && !changelogs.Contains(s.Name.Value)).ToList();
        if (kafkaOut.Count != 1 && !unresolved)
            diags.Error(stage.Name.Pos, $"merge stage '{stageName}' must write its aggregates to exactly one Kafka sink (it has {kafkaOut.Count})");
        foreach (var s in sinks.Where(s => s.Kind != SinkKind.Kafka))
            diags.Error(stage.Sinks.First(r => r.Value == s.Name.Value).Pos, $"merge stage '{stageName}' can only write to Kafka sinks; '{s.Name.Value}' is a {s.Kind.ToString().ToLowerInvariant()} sink (read the aggregate topic from another stage)");
        if (kafkaOut.Count == 1 && reads.Count > 0 && model.Readable(reads[0].Ref.Value) is { } input && kafkaOut[0].Partitions!.Value != input.Partitions)
            diags.Error(kafkaOut[0].Partitions!.Pos, $"aggregate topic '{kafkaOut[0].Topic!.Value}' has {kafkaOut[0].Partitions!.Value} partitions but the merged sources have {input.Partitions}: it is keyed like them, so every agent stays on its partition");

        var partSources = new Dictionary<string, Pos>(StringComparer.Ordinal);
        var partsResolve = true;
        var partNames = new Dictionary<string, Pos>(StringComparer.Ordinal);
        var fields = new Dictionary<string, (string Part, Pos Pos)>(StringComparer.Ordinal);
        foreach (var part in merge.Parts)
        {
            var source = part.Source.Value;
            if (!partSources.TryAdd(source, part.Source.Pos))
                diags.Error(part.Source.Pos, $"source '{source}' feeds two parts; each source feeds exactly one");
            if (!reads.Any(r => r.Ref.Value == source) && !Known(source))
            {
                if (model.Source(source) is null)
                {
                    partsResolve = false;
                    diags.Error(part.Source.Pos, $"part '{part.Part.Value}' names unknown source '{source}'{EditDistance.Hint(source, model.Sources.Select(s => s.Name.Value))}");
                }
                else if (!unresolved) // with an unresolved read, the stage may well be meant to read it
                    diags.Error(part.Source.Pos, $"part '{part.Part.Value}' names source '{source}', which stage '{stageName}' does not read");
            }
            else if (!reads.Any(r => r.Ref.Value == source)) partsResolve = false;
            if (!partNames.TryAdd(part.Part.Value, part.Part.Pos))
                diags.Error(part.Part.Pos, $"duplicate part name '{part.Part.Value}'");
            var targets = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (from, to) in part.Fields)
            {
                if (from.Value is "version" or "ts")
                    diags.Error(from.Pos, $"'{from.Value}' is the event's version/time, kept by the merge itself; it cannot be mapped as a field");
                if (!targets.Add(to.Value))
                    diags.Error(to.Pos, $"part '{part.Part.Value}' maps two fields to '{to.Value}'");
                else if (fields.TryGetValue(to.Value, out var owner) && owner.Part != part.Part.Value)
                    diags.Error(to.Pos, $"aggregate field '{to.Value}' of part '{part.Part.Value}' collides with the same field of part '{owner.Part}' at {owner.Pos.Line}:{owner.Pos.Column}; rename one of them");
                else fields.TryAdd(to.Value, (part.Part.Value, to.Pos));
            }
        }
        foreach (var part in merge.Parts)
        {
            var mapped = part.Fields.Select(f => f.Key.Value).ToList();
            foreach (var (field, type) in part.Types)
            {
                if (type is null)
                    diags.Error(field.Pos, $"part '{part.Part.Value}': types: '{field.Value}' must name a JSON type ({string.Join(", ", TopologyFormat.JsonTypes)})");
                if (!mapped.Contains(field.Value))
                    diags.Error(field.Pos, $"part '{part.Part.Value}' declares the type of '{field.Value}', which its 'fields' do not map{EditDistance.Hint(field.Value, mapped)}");
            }
        }
        // A part naming an unknown source is reported there; the source it was meant for then has no part.
        foreach (var read in reads.Where(r => partsResolve && !r.Derived && !partSources.ContainsKey(r.Ref.Value)))
            diags.Error(read.Ref.Pos, $"stage '{stageName}' reads source '{read.Ref.Value}' but merge '{merge.Name.Value}' has no part for it");
        var primaries = merge.Parts.Where(p => p.Primary.Value).ToList();
        if (primaries.Count == 0 && merge.Parts.Count > 0 && !merge.Parts.Any(p => p.PrimaryInvalid))
            diags.Error(merge.Name.Pos, $"merge '{merge.Name.Value}' needs exactly one part with 'primary: true' (its DELETED events delete the aggregate)");
        foreach (var extra in primaries.Skip(1))
            diags.Error(extra.Primary.Pos, $"part '{extra.Part.Value}' is a second primary part; exactly one part is primary");
    }

    /// <summary>Fields a stage's records carry (null when unknown, e.g. raw source events).</summary>
    private HashSet<string>? InputFields(StageDef stage, HashSet<string> visiting)
    {
        if (!visiting.Add(stage.Name.Value)) return null;
        HashSet<string>? result = null;
        foreach (var read in stage.Reads)
        {
            if (model.Sink(read.Value) is not { Kind: SinkKind.Kafka }) return null;
            foreach (var writer in model.Writers(read.Value))
            {
                var fields = OutputFields(writer, visiting);
                if (fields is null) return null;
                (result ??= new HashSet<string>(StringComparer.Ordinal)).UnionWith(fields);
            }
        }
        return result;
    }

    private HashSet<string>? OutputFields(StageDef stage, HashSet<string> visiting)
    {
        if (stage.Merge is { } merge)
            return merge.Parts.SelectMany(p => p.Fields.Select(f => f.Value.Value)).ToHashSet(StringComparer.Ordinal);
        var fields = InputFields(stage, visiting);
        if (fields is null) return null;
        foreach (var p in stage.Processors) Apply(p, fields);
        return fields;
    }

    private static void Apply(ProcessorDef processor, HashSet<string> fields)
    {
        if (processor is not MapDef map) return;
        foreach (var (from, to) in map.Rename)
        {
            if (fields.Remove(from.Value)) fields.Add(to.Value);
        }
        foreach (var drop in map.Drop) fields.Remove(drop.Value);
        foreach (var (name, _) in map.Set) fields.Add(name.Value);
    }

    /// <summary>Warns about fields that no upstream stage produces (typos in mappings are otherwise silent).</summary>
    private void CheckFieldFlow(StageDef stage, List<SinkDef> sinks)
    {
        if (stage.Merge is not null) return;
        var fields = InputFields(stage, new HashSet<string>(StringComparer.Ordinal));
        if (fields is null) return;
        foreach (var processor in stage.Processors)
        {
            switch (processor)
            {
                case FilterDef f when !fields.Contains(f.Field.Value):
                    diags.Warning(f.Field.Pos, $"filter '{f.Name.Value}' tests '{f.Field.Value}', which no upstream stage produces{EditDistance.Hint(f.Field.Value, fields)}");
                    break;
                case MapDef m:
                    foreach (var (from, _) in m.Rename.Where(r => !fields.Contains(r.Key.Value)))
                        diags.Warning(from.Pos, $"map '{m.Name.Value}' renames '{from.Value}', which no upstream stage produces{EditDistance.Hint(from.Value, fields)}");
                    break;
                case DedupDef { IdField: { } id } d when !fields.Contains(id.Value):
                    diags.Warning(id.Pos, $"dedup '{d.Name.Value}' reads id field '{id.Value}', which no upstream stage produces{EditDistance.Hint(id.Value, fields)}");
                    break;
            }
            Apply(processor, fields);
        }
        foreach (var sink in sinks.Where(s => s.Kind == SinkKind.Redis))
        {
            foreach (var (from, _) in sink.Fields.Where(f => !fields.Contains(f.Key.Value)))
                diags.Warning(from.Pos, $"Redis sink '{sink.Name.Value}' maps '{from.Value}', which stage '{stage.Name.Value}' never produces{EditDistance.Hint(from.Value, fields)}");
        }
    }

    private void CheckCycles()
    {
        // Stage A feeds stage B when B reads a Kafka sink A writes. A cycle means a stage eventually reads its own output.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var reported = false;
        foreach (var stage in model.Stages) Visit(stage, new List<string>());

        void Visit(StageDef stage, List<string> path)
        {
            if (reported) return;
            var name = stage.Name.Value;
            if (state.GetValueOrDefault(name) == 2) return;
            if (state.GetValueOrDefault(name) == 1)
            {
                var cycle = path.SkipWhile(p => p != name).Append(name);
                diags.Error(stage.Name.Pos, $"stages form a cycle ({string.Join(" -> ", cycle)}): a stage would read its own output");
                reported = true;
                return;
            }
            state[name] = 1;
            path.Add(name);
            foreach (var sink in stage.Sinks)
            {
                foreach (var next in model.Stages.Where(s => s.Reads.Any(r => r.Value == sink.Value) && s != stage))
                    Visit(next, path);
            }
            path.RemoveAt(path.Count - 1);
            state[name] = 2;
        }
    }

    private void CheckUnused()
    {
        var read = model.Stages.SelectMany(s => s.Reads).Select(r => r.Value).Concat(model.Windows.Select(w => w.From.Value)).ToHashSet(StringComparer.Ordinal);
        var written = model.Stages.SelectMany(s => s.Sinks.Select(r => r.Value).Append(s.DeadLetter.Value))
            .Concat(model.Windows.SelectMany(w => new[] { w.Changelog.Value, w.DeadLetter.Value })).ToHashSet(StringComparer.Ordinal);
        foreach (var source in model.Sources.Where(s => !read.Contains(s.Name.Value)))
            diags.Warning(source.Name.Pos, $"source '{source.Name.Value}' is not read by any stage");
        foreach (var sink in model.Sinks.Where(s => !written.Contains(s.Name.Value)))
            diags.Warning(sink.Name.Pos, $"sink '{sink.Name.Value}' is not written by any stage");
        foreach (var stage in model.Stages)
        {
            foreach (var store in stage.Stores.Where(s => !stage.Processors.OfType<MergeDef>().Any(m => m.Store.Value == s.Name.Value)))
                diags.Warning(store.Name.Pos, $"store '{store.Name.Value}' is not used by any processor of stage '{stage.Name.Value}'");
        }
    }

    /// <summary>The changelog topic Streamiz uses for a store of a stage (its application id is the stage's group).</summary>
    internal static string ChangelogTopicName(string group, string store) => $"{group}-{store}-changelog";
}
