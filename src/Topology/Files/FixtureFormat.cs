namespace ContactCenter.Topology.Files;

/// <summary>Field tables of fixture files (<c>topologies/fixtures/*.yaml</c>), read like topology files.</summary>
internal static class FixtureFormat
{
    private static readonly AnyType Payload = new("a mapping (written as JSON), a string (sent as is) or null (a tombstone)");
    private static readonly StringType Text = new(anyScalar: true);

    public static readonly ObjectType Input = new("input record",
        "A record put on a topic. Records are processed one at a time in file order, each through every stage it reaches.",
        [
            new("topic", TopologyFormat.Name, true, "Topic the record is on."),
            new("key", Text, false, "Record key; leave it out for a record without key."),
            new("op", Text, false, "Value of the op header (CREATED, UPDATED or DELETED; anything else tests the dead-letter path)."),
            new("value", Payload, false, "Record value: a mapping is written as JSON, a string is sent byte for byte, null is a tombstone."),
            new("headers", new StringMapType("header names", "header values"), false, "Extra headers."),
            new("partition", new IntType(0, 9_999), false, "Partition; by default Kafka's murmur2 partitioner on the key."),
            new("offset", new IntType(0, int.MaxValue), false, "Offset; by default the next one of the partition. An offset already on the partition re-delivers that record (it is not appended again)."),
        ]);

    public static readonly ObjectType Expected = new("expected record",
        "A record expected on a topic. Only what is written is checked.",
        [
            new("key", Text, false, "Record key."),
            new("value", Payload, false, "A mapping matches JSON values field by field (fields left out are not checked); a string matches the whole value; null means a tombstone."),
            new("reason", Text, false, "Text the dead-letter reason header (cc-dlq-reason) must contain."),
            new("headers", new StringMapType("header names", "header values"), false, "Headers the record must carry."),
            new("partition", new IntType(0, 9_999), false, "Partition."),
            new("offset", new IntType(0, int.MaxValue), false, "Offset."),
        ]);

    public static readonly ObjectType Expect = new("expectations",
        "What the run must produce.",
        [
            new("topics", new DictType("topic names", new ListType(Expected)), false, "Per topic, every record the run writes to it, in order. Topics left out are not checked; [] means none."),
            new("redis", new DictType("Redis keys", new AnyType("a mapping of hash fields to values, or null for 'no such key'")), false,
                "Per Redis key, the exact hash (all its fields), or null when the key must not exist. Keys left out are not checked."),
        ]);

    public static readonly ObjectType Root = new("fixture",
        "A test of a topology without a broker: input records, expected output records and Redis hashes.",
        [
            new("topology", Text, true, "Topology file, relative to this fixture."),
            new("name", Text, false, "What the fixture shows."),
            new("description", Text, false, "Free text."),
            new("input", new ListType(Input, 1), true, "Records, in the order they are consumed."),
            new("expect", Expect, true, "Expected results."),
        ]);
}
