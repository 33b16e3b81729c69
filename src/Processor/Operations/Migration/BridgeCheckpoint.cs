using System.Globalization;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations.Migration;

/// <summary>
/// The bridge's own committed position, kept in Redis in one hash written by one HSET after every acknowledged batch:
/// per source partition the next offset to copy (<c>in/{topic}/{partition}</c>) and per new partition the offset after
/// the last record the bridge saw acknowledged there (<c>out/{topic}/{partition}</c>). After a crash the bridge resumes
/// from <c>in</c> and skips the records it finds between <c>out</c> and the end of each new partition (copied but not
/// checkpointed: each carries its origin in <see cref="TopicBridge.OriginHeader"/>), so each record lands once.
/// </summary>
internal sealed class BridgeCheckpoint(IDatabase db, string migration)
{
    public RedisKey Key { get; } = $"cc:migration:{migration}:bridge";

    public static string In(string topic, int partition) => string.Create(CultureInfo.InvariantCulture, $"in/{topic}/{partition}");

    public static string Out(string topic, int partition) => string.Create(CultureInfo.InvariantCulture, $"out/{topic}/{partition}");

    public async Task<Dictionary<string, long>> ReadAsync()
    {
        var entries = await db.HashGetAllAsync(Key).ConfigureAwait(false);
        return entries.ToDictionary(e => (string)e.Name!, e => long.Parse((string)e.Value!, NumberStyles.None, CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    public Task WriteAsync(IReadOnlyDictionary<string, long> positions) =>
        db.HashSetAsync(Key, positions.Select(p => new HashEntry(p.Key, p.Value)).ToArray());

    public Task DeleteAsync() => db.KeyDeleteAsync(Key);
}
