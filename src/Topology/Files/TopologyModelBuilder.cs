namespace ContactCenter.Topology.Files;

/// <summary>Turns the field-table output (<see cref="Obj"/> trees) into a <see cref="TopologyModel"/>.</summary>
internal static class TopologyModelBuilder
{
    public static TopologyModel? Build(Obj root, string file)
    {
        if (root.Str("name") is not { } name) return null;
        var incomplete = new HashSet<string>(StringComparer.Ordinal);
        var sources = new List<SourceDef>();
        foreach (var o in root.List<Obj>("sources"))
        {
            if (o.Str("name") is not { } n || o.Str("topic") is not { } topic || o.Str("key") is not { } key || o.Int("partitions") is not { } partitions)
            {
                Remember(o, incomplete);
                continue;
            }
            sources.Add(new SourceDef
            {
                Pos = o.Pos, Name = n, Topic = topic, Key = key, Partitions = partitions,
                Serde = o.Str("serde")?.Value ?? "json",
                OpHeader = o.Str("op-header")?.Value ?? Events.EventHeaders.Op,
                VersionField = o.Str("version-field")?.Value ?? "version",
                TimestampField = o.Str("timestamp-field")?.Value ?? "ts",
                AnyPartitioner = o.Str("partitioner")?.Value == "any",
                Description = o.Str("description")?.Value,
            });
        }
        var sinks = new List<SinkDef>();
        foreach (var o in root.List<Obj>("sinks"))
        {
            var sink = BuildSink(o);
            if (sink is null) Remember(o, incomplete);
            else sinks.Add(sink);
        }
        var stages = new List<StageDef>();
        foreach (var o in root.List<Obj>("stages"))
        {
            var stage = BuildStage(o, incomplete);
            if (stage is null) Remember(o, incomplete);
            else stages.Add(stage);
        }
        return new TopologyModel
        {
            File = file, Name = name.Value, Description = root.Str("description")?.Value,
            Sources = sources, Sinks = sinks, Stages = stages, Incomplete = incomplete,
            Limits = BuildLimits(root.Object("limits")),
            Windows = WindowModelBuilder.Build(root, incomplete),
        };
    }

    private static Spec.RecordLimits BuildLimits(Obj? o)
    {
        var defaults = Spec.RecordLimits.Default;
        if (o is null) return defaults;
        return new Spec.RecordLimits(
            o.Int("max-record-bytes")?.Value ?? defaults.MaxRecordBytes,
            o.Int("max-field-bytes")?.Value ?? defaults.MaxFieldBytes,
            o.Int("max-key-bytes")?.Value ?? defaults.MaxKeyBytes,
            o.Long("max-version")?.Value ?? defaults.MaxVersion);
    }

    private static void Remember(Obj o, HashSet<string> incomplete)
    {
        if (o.Str("name") is { } n) incomplete.Add(n.Value);
        else if (o.Invalid.TryGetValue("name", out var raw)) incomplete.Add(raw);
    }

    private static SinkDef? BuildSink(Obj o)
    {
        if (o.Str("name") is not { } name) return null;
        var common = (o.Pos, name, o.Str("description")?.Value);
        return o.Title switch
        {
            "kafka sink" when o.Str("topic") is { } topic && o.Int("partitions") is { } partitions => new SinkDef
            {
                Pos = o.Pos, Name = name, Kind = SinkKind.Kafka, Topic = topic, Partitions = partitions, Description = common.Item3,
            },
            "redis sink" when o.Str("key-pattern") is { } pattern => new SinkDef
            {
                Pos = o.Pos, Name = name, Kind = SinkKind.Redis, KeyPattern = pattern, Fields = o.Map("fields"), Description = common.Item3,
            },
            "queue sink" when o.Str("queue") is { } queue => new SinkDef
            {
                Pos = o.Pos, Name = name, Kind = SinkKind.Queue, Queue = queue, Fields = o.Map("fields"), Description = common.Item3,
                Http = o.Object("http") is { } http && http.Str("url") is { } url
                    ? new HttpEffectDef(url.Value, http.Str("method")?.Value ?? "POST", http.Duration("timeout")?.Value ?? TimeSpan.FromSeconds(10))
                    : null,
            },
            _ => null,
        };
    }

    private static StageDef? BuildStage(Obj o, HashSet<string> incomplete)
    {
        var stores = new List<StoreDef>();
        foreach (var s in o.List<Obj>("stores"))
        {
            if (s.Str("name") is { } n && s.Str("changelog") is { } changelog)
                stores.Add(new StoreDef { Pos = s.Pos, Name = n, Kind = s.Str("kind")?.Value ?? "faster", Changelog = changelog });
            else Remember(s, incomplete);
        }
        var processors = new List<ProcessorDef>();
        foreach (var p in o.List<Obj>("processors"))
        {
            var built = BuildProcessor(p, incomplete);
            if (built is null) Remember(p, incomplete);
            else processors.Add(built);
        }
        if (o.Str("name") is not { } name || o.Str("group") is not { } group || o.Str("dead-letter") is not { } deadLetter
            || !o.Values.ContainsKey("reads") || !o.Values.ContainsKey("sinks"))
            return null;
        return new StageDef
        {
            Pos = o.Pos, Name = name, Group = group,
            Replicas = o.Int("replicas") ?? new Loc<int>(1, o.Pos),
            Reads = o.List<Loc<string>>("reads"),
            Processors = processors, Stores = stores,
            Sinks = o.List<Loc<string>>("sinks"),
            DeadLetter = deadLetter,
            ProcessingGuarantee = o.Str("processing-guarantee"),
            Description = o.Str("description")?.Value,
        };
    }

    private static ProcessorDef? BuildProcessor(Obj p, HashSet<string> incomplete)
    {
        if (p.Str("name") is not { } name) return null;
        switch (p.Title)
        {
            case "merge processor":
                var parts = new List<PartDef>();
                foreach (var part in p.List<Obj>("parts"))
                {
                    if (part.Str("source") is { } source && part.Str("part") is { } partName && part.Values.ContainsKey("fields"))
                    {
                        parts.Add(new PartDef
                        {
                            Pos = part.Pos, Source = source, Part = partName,
                            Primary = part.Bool("primary") ?? new Loc<bool>(false, part.Pos),
                            PrimaryInvalid = part.Present.Contains("primary") && part.Bool("primary") is null,
                            Fields = part.Map("fields"),
                            Types = part.StringDict("types"),
                        });
                    }
                    else if (part.Str("part") is { } partial) incomplete.Add(partial.Value);
                }
                return p.Str("store") is { } store ? new MergeDef { Pos = p.Pos, Name = name, Store = store, Parts = parts } : null;
            case "filter processor":
                return p.Str("field") is { } field
                    ? new FilterDef
                    {
                        Pos = p.Pos, Name = name, Field = field, EqualsValue = p.Str("equals"),
                        In = p.Values.ContainsKey("in") ? p.List<Loc<string>>("in") : null,
                        Exists = p.Bool("exists"), Negate = p.Bool("negate")?.Value ?? false,
                    }
                    : null;
            case "map processor":
                return new MapDef { Pos = p.Pos, Name = name, Rename = p.Map("rename"), Drop = p.List<Loc<string>>("drop"), Set = p.Map("set") };
            case "dedup processor":
                return p.Str("key-prefix") is { } prefix && p.Duration("ttl") is { } ttl
                    ? new DedupDef { Pos = p.Pos, Name = name, IdField = p.Str("id-field"), KeyPrefix = prefix, Ttl = ttl }
                    : null;
            case "count processor":
                return p.Str("key") is { } countKey && p.Values.ContainsKey("by")
                    ? new CountDef { Pos = p.Pos, Name = name, By = p.List<Loc<string>>("by"), Key = countKey }
                    : null;
            case "time-in-state processor":
                return p.Str("field") is { } stateField ? new TimeInStateDef { Pos = p.Pos, Name = name, Field = stateField } : null;
            default:
                return null;
        }
    }
}
