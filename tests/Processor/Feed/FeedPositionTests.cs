using ContactCenter.Processor.Feed;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ContactCenter.Tests.Processor.Feed;

/// <summary>The event id (a per-partition offset vector) and the field filter of <c>/agents/stream</c>.</summary>
[Trait("Kind", "Unit")]
public sealed class FeedPositionTests
{
    [Fact]
    public void An_id_lists_the_partitions_with_a_position_and_parses_back_to_the_same_position()
    {
        var position = new FeedPosition(6);
        position.Advance(0, 120);
        position.Advance(3, 98);
        position.Advance(3, 50); // never backwards
        Assert.Equal("0:120,3:98", position.ToString());
        var parsed = FeedPosition.Parse("0:120,3:98", 6);
        Assert.Equal(position.ToString(), parsed.ToString());
        Assert.False(parsed.IsNew(0, 120));
        Assert.True(parsed.IsNew(0, 121));
        Assert.True(parsed.IsNew(1, 0));
        Assert.Equal("", FeedPosition.Parse(null, 6).ToString());
    }

    [Theory]
    [InlineData("0:12,x", "is not partition:offset")]
    [InlineData("0:-1", "is not partition:offset")]
    [InlineData("6:3", "partition 6 does not exist")]
    [InlineData("a:3", "is not partition:offset")]
    public void A_bad_id_is_refused_with_the_reason(string id, string reason)
    {
        var error = Assert.Throws<FormatException>(() => FeedPosition.Parse(id, 6));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_query_parameter_but_the_event_id_filters_on_a_hash_field_with_any_of_its_values()
    {
        var filter = FeedFilter.From(new QueryCollection(new Dictionary<string, StringValues>
        {
            ["tenant"] = "acme",
            ["status"] = "logged-in,talking",
            [FeedFilter.LastEventIdParameter] = "0:1",
        }));
        Assert.False(filter.IsEverything);
        Assert.True(filter.Matches(new Dictionary<string, string> { ["tenant"] = "acme", ["status"] = "talking" }));
        Assert.False(filter.Matches(new Dictionary<string, string> { ["tenant"] = "globex", ["status"] = "talking" }));
        Assert.False(filter.Matches(new Dictionary<string, string> { ["tenant"] = "acme" }));
        Assert.False(filter.Matches(null));
        Assert.True(FeedFilter.From(new QueryCollection()).IsEverything);
    }
}
