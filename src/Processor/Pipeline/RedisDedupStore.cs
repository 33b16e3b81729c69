using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using StackExchange.Redis;

namespace ContactCenter.Processor.Pipeline;

/// <summary>Dedup claims in Redis (first write wins across every pod), owned by this pod's stage.</summary>
internal sealed class RedisDedupStore(IDatabase db, string stage) : IDedupStore
{
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{stage}";

    public ValueTask<bool> TryClaimAsync(string id, TimeSpan ttl) => new(FirstWriteWins.TryClaimAsync(db, id, _owner, ttl));
}
