using Microsoft.AspNetCore.Http;

namespace ContactCenter.Processor.Feed;

/// <summary>
/// Which agents a feed client wants: every query parameter except <see cref="LastEventIdParameter"/> names a hash field
/// and the values it may hold (<c>?tenant=t1&amp;status=AVAILABLE,BUSY</c>: tenant t1 and status AVAILABLE or BUSY).
/// No parameter: every agent. Values are compared exactly.
/// </summary>
internal sealed class FeedFilter
{
    /// <summary>Query parameter a client may use instead of the <c>Last-Event-ID</c> header.</summary>
    public const string LastEventIdParameter = "lastEventId";

    private readonly (string Field, HashSet<string> Values)[] _terms;

    private FeedFilter((string, HashSet<string>)[] terms) => _terms = terms;

    public static FeedFilter All { get; } = new([]);

    public bool IsEverything => _terms.Length == 0;

    public static FeedFilter From(IQueryCollection query)
    {
        var terms = query
            .Where(q => q.Key != LastEventIdParameter)
            .Select(q => (q.Key, q.Value.SelectMany(v => (v ?? "").Split(',')).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal)))
            .Where(t => t.Item2.Count > 0)
            .ToArray();
        return terms.Length == 0 ? All : new FeedFilter(terms);
    }

    /// <summary>Whether an agent with <paramref name="fields"/> is wanted; a deleted agent (null) never is.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? fields)
    {
        if (fields is null) return false;
        foreach (var (field, values) in _terms)
        {
            if (!fields.TryGetValue(field, out var value) || !values.Contains(value)) return false;
        }
        return true;
    }
}
