using System.Text;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Tests.Topology.Events;

/// <summary>The documented rules a record must keep (docs/topologies.md, "limits"), one case per way to break them.</summary>
[Trait("Kind", "Unit")]
public class RecordRulesTests
{
    private static readonly SourceSpec Agent = TestSpecs.Source(TestSpecs.AgentFields);
    private static readonly RecordLimits Small = new(MaxRecordBytes: 2048, MaxFieldBytes: 32, MaxKeyBytes: 8, MaxVersion: 1000);

    private static string? Reason(byte[] json, RecordLimits? limits = null) =>
        SourceEventDecoder.TryDecode(json, Agent, limits ?? Small, out _, out var error) ? null : error;

    [Theory]
    [InlineData("{\"version\":1001}", "over limits.max-version (1000)")]
    [InlineData("{\"version\":1,\"version\":2}", "'version' appears twice")]
    [InlineData("{\"version\":1,\"ts\":1,\"ts\":2}", "'ts' appears twice")]
    [InlineData("{\"version\":1,\"agentId\":\"a\",\"agentId\":\"a\"}", "'agentId' appears twice")]
    [InlineData("{\"version\":1,\"name\":\"a\",\"name\":\"b\"}", "mapped to 'name' appears twice")]
    [InlineData("{\"version\":1,\"ts\":-5}", "'ts' must be a non-negative integer")]
    [InlineData("{\"version\":1} {\"version\":2}", "malformed JSON")]
    [InlineData("{\"version\":1,\"name\":\"0123456789012345678901234567890123\"}", "over limits.max-field-bytes (32)")]
    [InlineData("", "malformed JSON")]
    public void A_value_that_breaks_a_rule_is_refused_with_the_rule(string json, string reason) =>
        Assert.Contains(reason, Reason(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Field_size_counts_UTF8_bytes_after_unescaping()
    {
        // 11 characters of 3 UTF-8 bytes each = 33 bytes, though the escaped JSON text is longer and the string shorter.
        Assert.Contains("is 33 bytes", Reason(Encoding.UTF8.GetBytes("{\"version\":1,\"name\":\"" + string.Concat(Enumerable.Repeat("\\u20ac", 11)) + "\"}")));
        Assert.Null(Reason(Encoding.UTF8.GetBytes("{\"version\":1,\"name\":\"" + new string('e', 32) + "\"}")));
    }

    [Fact]
    public void A_value_over_the_record_limit_is_refused_before_it_is_parsed() =>
        Assert.Contains("2049 bytes, over limits.max-record-bytes (2048)", Reason(new byte[2049]));

    [Theory]
    [InlineData(new byte[] { (byte)'{', 0xFF, (byte)'}' }, 1)]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', 0xED, 0xA0, 0x80, (byte)'"' }, 3)]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xC3 }, 2)]
    public void Invalid_UTF8_anywhere_is_refused_with_its_byte_offset(byte[] value, int offset) =>
        Assert.Equal($"value is not valid UTF-8 (byte {offset})", Reason(value));

    [Fact]
    public void The_source_names_its_version_timestamp_and_key_fields()
    {
        var source = Agent with { VersionField = "rev", TimestampField = "at", KeyField = "userId" };
        Assert.True(SourceEventDecoder.TryDecode("{\"userId\":\"u1\",\"rev\":4,\"at\":9,\"version\":\"ignored\"}"u8, source, Small, out var decoded, out var error), error);
        Assert.Equal((4L, 9L, "u1"), (decoded.Version, decoded.Timestamp, decoded.AgentId));
        Assert.False(SourceEventDecoder.TryDecode("{\"version\":4}"u8, source, Small, out _, out error));
        Assert.Equal("missing field 'rev'", error);
    }

    [Theory]
    [InlineData("agent-000001")]
    [InlineData("a.b_c-d@e+f")]
    [InlineData("Z9")]
    public void Keys_of_the_allowed_characters_pass(string key)
    {
        Assert.True(RecordKeyRule.TryValidate(Encoding.ASCII.GetBytes(key), 128, out var text, out var reason), reason);
        Assert.Equal(key, text);
        Assert.True(RecordKeyRule.IsValid(key, 128));
    }

    [Theory]
    [InlineData("a:tomb", "at byte 1")]
    [InlineData("a{b}", "at byte 1")]
    [InlineData("a*", "at byte 1")]
    [InlineData("a\nb", "at byte 1")]
    [InlineData("a b", "at byte 1")]
    [InlineData("é", "at byte 0")]
    [InlineData("", "record has no key")]
    [InlineData("123456789", "9 bytes, over limits.max-key-bytes (8)")]
    public void Keys_that_could_reach_another_key_are_refused(string key, string reason)
    {
        Assert.False(RecordKeyRule.TryValidate(Encoding.UTF8.GetBytes(key), 8, out _, out var why));
        Assert.Contains(reason, why);
        Assert.False(RecordKeyRule.IsValid(key, 8));
    }

    [Fact]
    public void The_record_that_made_the_stored_version_is_marked_redelivered_with_the_stored_aggregate_an_older_one_is_not()
    {
        AcceptedRecord Accept(int version, string name, string op)
        {
            Assert.True(MergeStep.TryAccept(Agent, Small, "a1"u8.ToArray(), Encoding.UTF8.GetBytes($"{{\"version\":{version},\"name\":\"{name}\"}}"),
                Encoding.UTF8.GetBytes(op), 0, out var accepted, out var reason), reason);
            return accepted;
        }
        var v2 = MergeStep.Merge(Accept(2, "Ann", "CREATED"), Agent, "test", Small, null);
        Assert.NotNull(v2.State);

        var again = MergeStep.Merge(Accept(2, "Ann", "CREATED"), Agent, "test", Small, v2.State);
        Assert.True(again.IsStale);
        Assert.True(again.Redelivered);
        Assert.Equal(v2.Output, again.Output); // what the store holds, to be emitted again

        var older = MergeStep.Merge(Accept(1, "Old", "CREATED"), Agent, "test", Small, v2.State);
        Assert.True(older.IsStale);
        Assert.False(older.Redelivered);
        Assert.Null(older.Output);

        // A deleted aggregate is re-emitted as what it was: a tombstone with the deleted parts' versions.
        var deleted = MergeStep.Merge(Accept(3, "Ann", "DELETED"), Agent, "test", Small, v2.State);
        var deletedAgain = MergeStep.Merge(Accept(3, "Ann", "DELETED"), Agent, "test", Small, deleted.State);
        Assert.True(deletedAgain.Redelivered);
        Assert.Null(deletedAgain.Output);
        Assert.Equal(deleted.TombstoneVersions, deletedAgain.TombstoneVersions);
    }

    [Fact]
    public void A_merge_that_would_outgrow_the_record_limit_keeps_the_previous_aggregate()
    {
        var limits = Small with { MaxFieldBytes = 2048 };
        Assert.True(MergeStep.TryAccept(Agent, limits, "a1"u8.ToArray(), Encoding.UTF8.GetBytes("{\"version\":1,\"name\":\"" + new string('x', 1500) + "\"}"),
            "CREATED"u8.ToArray(), 0, out var first, out var reason), reason);
        var one = MergeStep.Merge(first, Agent, "test", limits, null);
        Assert.NotNull(one.State);

        var voice = TestSpecs.Source(TestSpecs.VoiceFields) with { Part = "voice", Primary = false };
        Assert.True(MergeStep.TryAccept(voice, limits, "a1"u8.ToArray(), Encoding.UTF8.GetBytes("{\"version\":1,\"extension\":\"" + new string('y', 1000) + "\"}"),
            "CREATED"u8.ToArray(), 0, out var second, out reason), reason);
        var two = MergeStep.Merge(second, voice, "test", limits, one.State);
        Assert.Null(two.State);
        Assert.False(two.IsStale);
        Assert.Contains("over limits.max-record-bytes (2048)", two.Rejected);
    }

    [Fact]
    public void Headers_count_towards_the_record_limit_because_they_travel_on_with_the_aggregate()
    {
        var value = "{\"version\":1}"u8.ToArray();
        Assert.True(MergeStep.TryAccept(Agent, Small, "a1"u8.ToArray(), value, "CREATED"u8.ToArray(), 2048 - value.Length - 2, out _, out var reason), reason);
        Assert.False(MergeStep.TryAccept(Agent, Small, "a1"u8.ToArray(), value, "CREATED"u8.ToArray(), 2048 - value.Length - 1, out _, out reason));
        Assert.Contains("record is 2049 bytes with its key", reason);
    }

    [Fact]
    public void Printable_escapes_control_characters_quotes_and_invalid_bytes_and_stays_short()
    {
        Assert.Equal(@"'a\x0ab\x27c\xff'", Printable.Of([(byte)'a', (byte)'\n', (byte)'b', (byte)'\'', (byte)'c', 0xFF]));
        var longText = Printable.Of(new string('x', 500));
        Assert.EndsWith("(+436 bytes)", longText);
        Assert.True(longText.Length < 100);
    }
}
