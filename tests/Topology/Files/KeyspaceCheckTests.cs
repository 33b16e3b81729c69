using ContactCenter.Topology.Files;

namespace ContactCenter.Tests.Topology.Files;

[Trait("Kind", "Unit")]
public class KeyspaceCheckTests
{
    [Theory]
    [InlineData("cc:agent:{key}", "cc:offsets:", false)]
    [InlineData("cc:offsets:{key}", "cc:offsets:", true)]
    [InlineData("cc:{key}:x", "cc:offsets:", true)] // id 'offsets' + ':x'
    [InlineData("cc:{key}", "cc:offsets:", false)] // an id cannot hold the ':'
    [InlineData("cc:offs{key}", "cc:offsets:", false)]
    [InlineData("{key}", "cc:dedup:", false)]
    [InlineData("cc:dedup:{key}", "cc:dedup:", true)]
    [InlineData("q{key}", "queue", true)] // id 'ueue'
    [InlineData("x{key}", "queue", false)]
    [InlineData("{key}:state", "jobs", true)] // id 'jobs'
    public void A_key_pattern_reaches_a_namespace_only_when_some_allowed_id_makes_it(string pattern, string ns, bool reaches) =>
        Assert.Equal(reaches, KeyspaceCheck.CanReach(pattern, ns));

    [Fact]
    public void Validate_refuses_a_Redis_sink_whose_keys_could_overwrite_stage_offsets()
    {
        var text = Repo.AgentStateWith("key-pattern: \"cc:agent:{key}\"", "key-pattern: \"cc:offsets:{key}\"");
        var errors = TopologyLoader.Parse(text, "t.yaml").Diagnostics.Where(d => d.Severity == Severity.Error).Select(d => d.ToString());
        Assert.Contains(errors, e => e.Contains("can produce keys under 'cc:offsets:'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("_v")]
    [InlineData("_p")]
    public void Validate_refuses_a_Redis_sink_field_the_write_fence_keeps(string field)
    {
        var text = Repo.AgentStateWith("      tenantId: tenant\n", $"      tenantId: {field}\n");
        var errors = TopologyLoader.Parse(text, "t.yaml").Diagnostics.Where(d => d.Severity == Severity.Error).Select(d => d.ToString()).ToList();
        Assert.Contains(errors, e => e.Contains($"maps a field onto '{field}', which the write fence keeps", StringComparison.Ordinal));
        Assert.DoesNotContain(TopologyLoader.Parse(Repo.AgentStateText, "t.yaml").Diagnostics, d => d.Severity == Severity.Error);
    }

    // The fence's hash fields are FenceScript's *Field constants; IsFenceField must know each, and validate must refuse each.
    [Fact]
    public void The_topology_and_the_fence_reserve_the_same_hash_fields()
    {
        var fenceFields = typeof(ContactCenter.Stores.Redis.FenceScript)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("Field", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        Assert.All(fenceFields, f => Assert.True(ContactCenter.Stores.Redis.FenceScript.IsFenceField(f)));
        Assert.Equal(fenceFields.Order(), ContactCenter.Topology.Spec.RedisKeyspace.FenceFields.Order());
    }
}
