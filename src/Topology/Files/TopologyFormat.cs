namespace ContactCenter.Topology.Files;

/// <summary>
/// The field tables of the topology file format. The loader reads files through them and
/// <c>contactcenter schema</c> turns them into the JSON Schema, so docs, editor and loader agree.
/// </summary>
internal static class TopologyFormat
{
    public const int Version = 1;

    public static readonly StringType Name = new("^[A-Za-z0-9._-]{1,249}$", "a name of letters, digits, '.', '_' or '-'");
    public static readonly StringType FieldName = new("^[A-Za-z_][A-Za-z0-9_.-]{0,127}$", "a field name (letters, digits, '_', '.', '-')");
    public static readonly StringType RedisKey = new(@"^[^\s]{1,512}$", "a Redis key without spaces");
    public static readonly StringType KeyPattern = new(@"^[^\s{}]*\{key\}[^\s{}]*$", "a Redis key pattern with one {key} placeholder, e.g. cc:agent:{key}");
    public static readonly StringType Text = new();
    public static readonly StringMapType FieldMap = new("input field names", "output field names");

    /// <summary>The names of <see cref="Spec.JsonFieldType"/> in a topology file.</summary>
    public static readonly IReadOnlyList<string> JsonTypes = ["string", "number", "integer", "boolean", "object", "array"];
    public static readonly DictType FieldTypes = new("event field names", new StringType(values: JsonTypes));

    private static Field Description(string what) => new("description", Text, false, $"Free text: what this {what} is for.");

    public static readonly ObjectType Source = new("source",
        "A Kafka topic the pipeline consumes, produced by another system.",
        [
            new("name", Name, true, "Name stages use to read this source."),
            new("topic", Name, true, "Kafka topic."),
            new("key", FieldName, true, "Event field the producer uses as the Kafka record key (e.g. agentId). Sources read together must share it."),
            new("partitions", new IntType(1, 10_000), true, "Partition count of the topic. Sources read together must agree (co-partitioning)."),
            new("serde", new StringType(values: ["json"]), false, "Value format.", "json"),
            new("op-header", Name, false, "Record header carrying CREATED, UPDATED or DELETED.", "cc-op"),
            new("version-field", FieldName, false, "Event field holding the per-part version (a non-negative integer; the highest wins).", "version"),
            new("timestamp-field", FieldName, false, "Event field holding the event time (Unix milliseconds).", "ts"),
            new("partitioner", new StringType(values: ["murmur2", "any"]), false,
                "How producers place records on partitions. murmur2: by the key's murmur2 hash (Java clients, Kafka Streams, librdkafka's murmur2_random); a record found on another partition is dead-lettered as wrong-partition. any: another or unknown partitioner (librdkafka's default CRC32: Confluent.Kafka, kcat); the stage first re-keys the source through a repartition topic it owns.",
                "murmur2"),
            Description("source"),
        ]);

    private static readonly Field SinkName = new("name", Name, true, "Name stages use to write to (or read from) this sink.");

    public static readonly ObjectType KafkaSink = new("kafka sink",
        "A Kafka topic written by a stage (a derived topic). Other stages may read it.",
        [
            SinkName,
            new("type", new StringType(values: ["kafka"]), true, "Sink kind."),
            new("topic", Name, true, "Kafka topic."),
            new("partitions", new IntType(1, 10_000), true, "Partition count of the topic."),
            Description("sink"),
        ]);

    public static readonly ObjectType RedisSink = new("redis sink",
        "One Redis hash per record key, written with a fenced (offset-checked) script.",
        [
            SinkName,
            new("type", new StringType(values: ["redis"]), true, "Sink kind."),
            new("key-pattern", KeyPattern, true, "Redis key of the hash; {key} is replaced by the record key."),
            new("fields", FieldMap, false, "Record field to hash field. Only mapped fields are written; leave it out to write every field under its own name."),
            Description("sink"),
        ]);

    public static readonly ObjectType HttpEffect = new("http effect",
        "What a worker does with each job: one HTTP call, with the job's idempotency key in the Idempotency-Key header and its fields as a JSON body.",
        [
            new("url", new StringType(@"^https?://\S+$", "an http(s) URL; {key} is replaced by the record key"), true, "URL template; {key} is replaced by the (URL-escaped) record key."),
            new("method", new StringType(values: ["POST", "PUT"]), false, "HTTP method.", "POST"),
            new("timeout", new DurationType(), false, "Timeout of one call (retries come on top).", "10s"),
        ]);

    public static readonly ObjectType QueueSink = new("queue sink",
        "A durable Redis queue drained by a worker pool (side effects never run on the consumer thread).",
        [
            SinkName,
            new("type", new StringType(values: ["queue"]), true, "Sink kind."),
            new("queue", RedisKey, true, "Redis key of the queue."),
            new("fields", FieldMap, false, "Record field to job field. Only mapped fields go into the job; leave it out to send every field under its own name."),
            new("http", HttpEffect, false, "The side effect the workers run for each job."),
            Description("sink"),
        ]);

    public static readonly UnionType Sink = new("sink", "type", [("kafka", KafkaSink), ("redis", RedisSink), ("queue", QueueSink)]);

    public static readonly ObjectType Store = new("store",
        "A local state store of a stage. Its name and changelog decide where state lives, so both are explicit.",
        [
            new("name", Name, true, "Store name (unique in the file)."),
            new("kind", new StringType(values: ["faster"]), false, "Store engine.", "faster"),
            new("changelog", Name, true, "Kafka sink of this stage that is the store's changelog; its topic must be '<group>-<store>-changelog'."),
            Description("store"),
        ]);

    public static readonly ObjectType Part = new("merge part",
        "How one source feeds one part of the aggregate.",
        [
            new("source", Name, true, "Source (read by the stage) feeding this part."),
            new("part", Name, true, "Name of the part inside the aggregate (its state lives under this name)."),
            new("primary", new BoolType(), false, "A DELETED event of the primary part deletes the whole aggregate (tombstone). Exactly one part is primary.", "false"),
            new("types", FieldTypes, false, "Event field (one of 'fields') to the JSON type it must have: string, number, integer, boolean, object or array. A record whose field has another type is dead-lettered with the field named; null is an absent field whatever the type. Fields left out take any type."),
            new("fields", FieldMap, true, "Event field to aggregate field. Aggregate field names must be unique across parts."),
        ]);

    private static Field ProcessorName => new("name", Name, true, "Processor name (unique in its stage; shown by describe).");

    public static readonly ObjectType Merge = new("merge processor",
        "Merges every source of the stage into one aggregate per key: per part the highest version wins.",
        [
            ProcessorName,
            new("type", new StringType(values: ["merge"]), true, "Processor kind."),
            new("store", Name, true, "Store of this stage holding the aggregates."),
            new("parts", new ListType(Part, 1), true, "One entry per source."),
            Description("processor"),
        ]);

    public static readonly ObjectType Filter = new("filter processor",
        "Keeps records whose field matches (set exactly one of equals, in, exists); other records are dropped.",
        [
            ProcessorName,
            new("type", new StringType(values: ["filter"]), true, "Processor kind."),
            new("field", FieldName, true, "Field to test."),
            new("equals", Text, false, "Keep when the field has this value."),
            new("in", new ListType(Text, 1), false, "Keep when the field has one of these values."),
            new("exists", new BoolType(), false, "Keep when the field is present (true) or absent (false)."),
            new("negate", new BoolType(), false, "Invert the test: drop matching records instead.", "false"),
            Description("processor"),
        ]);

    public static readonly ObjectType Map = new("map processor",
        "Renames, drops and sets fields (applied in that order).",
        [
            ProcessorName,
            new("type", new StringType(values: ["map"]), true, "Processor kind."),
            new("rename", FieldMap, false, "Old field name to new field name."),
            new("drop", new ListType(FieldName), false, "Fields to remove."),
            new("set", new StringMapType("field names", "constant values"), false, "Fields to set to a constant."),
            Description("processor"),
        ]);

    public static readonly ObjectType Dedup = new("dedup processor",
        "First write wins: the first pod to claim a record's id processes it, duplicates within the TTL are dropped.",
        [
            ProcessorName,
            new("type", new StringType(values: ["dedup"]), true, "Processor kind."),
            new("id-field", FieldName, false, "Field holding the record's unique id.", "the record key"),
            new("key-prefix", RedisKey, true, "Redis key prefix of the claims (where the dedup state lives), e.g. cc:dedup:agent-state:."),
            new("ttl", new DurationType(), true, "How long a claim lives: at least the longest replay/redelivery window."),
            Description("processor"),
        ]);

    public static readonly ObjectType Count = new("count processor",
        "Grouped counts over the agent table: how many agents hold each combination of values of 'by', kept exact by the fenced write of the stage's Redis sink (a count moves only when an agent's write applies).",
        [
            ProcessorName,
            new("type", new StringType(values: ["count"]), true, "Processor kind."),
            new("by", new ListType(FieldName, 1), true, "Hash fields of the stage's Redis sink to group by (e.g. [tenant, status]); an agent lacking one of them is in no group."),
            new("key", new StringType(@"^[^\s{}]{1,256}$", "a Redis key without spaces or braces, e.g. cc:count:tenant-status"), true,
                "Redis hash holding the counts: field = the group's values joined by '|', value = the number of agents. On a Redis Cluster one shard per hash slot, '<key>{tag}' (docs/pipeline.md)."),
            Description("processor"),
        ]);

    public static readonly ObjectType TimeInState = new("time-in-state processor",
        "Time in state: the same fenced write keeps, in the agent hash, since when the agent holds its current value of 'field' (statusSince) and the time per value for the UTC day of the event time (timeInDay, timeIn).",
        [
            ProcessorName,
            new("type", new StringType(values: ["time-in-state"]), true, "Processor kind."),
            new("field", FieldName, true, "Hash field of the stage's Redis sink holding the state (e.g. status)."),
            Description("processor"),
        ]);

    public static readonly UnionType Processor = new("processor", "type",
        [("merge", Merge), ("filter", Filter), ("map", Map), ("dedup", Dedup), ("count", Count), ("time-in-state", TimeInState)]);

    public static readonly ObjectType Stage = new("stage",
        "One consumer group (one Streamiz application or one plain consumer) with its processors, stores and sinks.",
        [
            new("name", Name, true, "Stage name (unique in the file)."),
            new("group", Name, true, "Kafka consumer group (Streamiz application.id). Renaming it loses committed offsets."),
            new("replicas", new IntType(1, 1000), false, "Pods running this stage. More than the input partitions leaves pods idle.", "1"),
            new("reads", new ListType(Name, 1), true, "Sources and/or Kafka sinks (derived topics) the stage consumes."),
            new("processors", new ListType(Processor), false, "Processors, applied in order."),
            new("stores", new ListType(Store), false, "State stores of the stage."),
            new("sinks", new ListType(Name, 1), true, "Sinks the stage writes its output to."),
            new("dead-letter", Name, true, "Kafka sink receiving records the stage cannot process."),
            new("processing-guarantee", new StringType(values: ["at-least-once", "exactly-once"]), false,
                "at-least-once: a crash may emit an output again. exactly-once: a merge stage writes its outputs and commits its input offsets in Kafka transactions (Streamiz EXACTLY_ONCE), so a read_committed reader sees each output once; a stage reading a topic is then read_committed.", "at-least-once"),
            Description("stage"),
        ]);

    public static readonly ObjectType Limits = new("limits",
        "What every stage accepts from a record. A record past a limit is dead-lettered with the limit it broke.",
        [
            new("max-record-bytes", new IntType(1024, Spec.RecordLimits.RecordBytesCeiling), false,
                "Largest record value a stage reads and largest aggregate it writes, in bytes.", Spec.RecordLimits.Default.MaxRecordBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("max-field-bytes", new IntType(16, Spec.RecordLimits.RecordBytesCeiling), false,
                "Largest mapped field value, in UTF-8 bytes.", Spec.RecordLimits.Default.MaxFieldBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("max-key-bytes", new IntType(1, 512), false,
                "Longest record key (agent id), in bytes. Keys are ASCII letters, digits and . _ - @ + whatever this says.", Spec.RecordLimits.Default.MaxKeyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("max-version", new LongType(1, long.MaxValue), false,
                "Highest event version accepted; a higher one would freeze its part (nothing could be newer).", Spec.RecordLimits.DefaultMaxVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ]);

    public static readonly ObjectType Root = new("topology",
        "A ContactCenter Streams topology: sources, stages and sinks of one pipeline.",
        [
            new("version", new IntType(Version, Version), true, "Format version."),
            new("name", Name, true, "Pipeline name."),
            Description("pipeline"),
            new("sources", new ListType(Source, 1), true, "Kafka topics produced outside the pipeline."),
            new("sinks", new ListType(Sink, 1), true, "Where stages write: Kafka topics, Redis hashes, durable queues."),
            new("stages", new ListType(Stage, 1), true, "Consumer groups and what they do."),
            new("limits", Limits, false, "Bounds on keys, values, fields and versions for every stage."),
            new("windows", new ListType(WindowFormat.Window), false, "Time windows: counts of selected records per group and window, kept in a window store and written to Redis."),
        ]);
}
