namespace ContactCenter.Topology.Files;

/// <summary>
/// The field table of a <c>windows:</c> entry: a window stage counting the selected records of one stream per group
/// and time window (tumbling or hopping, with a grace period), kept in a FASTER window store with a changelog and
/// written to Redis with a TTL. Kept apart from <see cref="TopologyFormat"/>, which only lists it under the root.
/// </summary>
internal static class WindowFormat
{
    public static readonly StringType WindowKeyPattern = new(@"^[^\s{}]*(\{[A-Za-z_][A-Za-z0-9_.-]{0,127}\}[^\s{}]*)+$",
        "a Redis key pattern with one {field} placeholder per group-by field, e.g. cc:window:calls-started:{tenantId}");

    public static readonly ObjectType Where = new("window selection",
        "Which records the window counts: those whose field has the value (equals) or one of the values (in); set exactly one.",
        [
            new("field", TopologyFormat.FieldName, true, "Field to test."),
            new("equals", TopologyFormat.Text, false, "Count records whose field has this value."),
            new("in", new ListType(TopologyFormat.Text, 1), false, "Count records whose field has one of these values."),
        ]);

    public static readonly ObjectType Window = new("window",
        "A window stage: counts the selected records of one stream per group and event-time window, kept in a FASTER window store (restored from its changelog) and written to Redis with a TTL.",
        [
            new("name", TopologyFormat.Name, true, "Window name (unique among stages and windows; named in dead letters)."),
            new("group", TopologyFormat.Name, true, "Kafka consumer group of the window stage. Renaming it changes the changelog topic, so the store is rebuilt from the input."),
            new("replicas", new IntType(1, 1000), false, "Pods running this window stage.", "1"),
            new("from", TopologyFormat.Name, true, "Source or Kafka sink (derived topic) the window reads."),
            new("where", Where, false, "Which records count; every record when left out."),
            new("once-per", TopologyFormat.FieldName, false, "Count a record only when this field's value differs from the last value counted for its record key (an aggregate re-published for another part's change is not a second call)."),
            new("group-by", new ListType(TopologyFormat.FieldName, 1), true, "Fields whose values make the group key (e.g. [tenantId])."),
            new("size", new DurationType(), true, "Window length, e.g. 15m."),
            new("advance", new DurationType(), false, "How far each window starts after the previous one: equal to size for tumbling windows, smaller (size a multiple of it) for hopping windows.", "size"),
            new("grace", new DurationType(allowZero: true), false, "How long after a window's end a late record still counts; a record later than that is dead-lettered (late-record).", "0s"),
            new("retention", new DurationType(), true, "How long (in event time) a window stays in the store; at least size + grace. Older windows are dropped, which bounds memory."),
            new("store", TopologyFormat.Name, true, "Name of the window store (unique in the file)."),
            new("changelog", TopologyFormat.Name, true, "Kafka sink that is the store's changelog; its topic must be '<group>-<store>-changelog' and have the input's partitions."),
            new("key-pattern", WindowKeyPattern, true, "Redis key of each window's hash, one {field} per group-by field; the window start (Unix ms) is appended as ':<start>'."),
            new("ttl", new DurationType(), true, "How long a window's Redis hash lives after its last update."),
            new("dead-letter", TopologyFormat.Name, true, "Kafka sink receiving late and malformed records."),
            new("description", TopologyFormat.Text, false, "Free text: what this window is for."),
        ]);
}
