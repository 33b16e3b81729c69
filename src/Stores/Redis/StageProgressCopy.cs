using System.Globalization;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>What a renamed stage would take over from its old name: per partition the old and the new name's recorded
/// offset, the old epoch (null: none) and whether the new name has one, and the unfinished rebuild markers.</summary>
public sealed record StageProgress(string FromStage, string ToStage, IReadOnlyDictionary<int, long> From, IReadOnlyDictionary<int, long> To,
    string? FromEpoch, bool ToEpochExists, IReadOnlyDictionary<int, string> RebuildMarkers);

/// <summary>
/// Carries a Redis-writing stage's state over a rename: its progress keys (<c>{offsets}:{stage}:{partition}</c>), its
/// epoch (<see cref="StageEpoch"/>) and the markers of rebuilds left unfinished (<c>{epoch}:rebuild:{partition}</c>),
/// copied from the old name to the new one. A pod of the renamed stage then finds its epoch and offsets where it looks,
/// so it resumes where the old pods stopped instead of taking Redis for lost and rebuilding. The old keys stay (nothing
/// reads them once the old name is gone); a newer offset already recorded under the new name is never moved back.
/// </summary>
public static class StageProgressCopy
{
    /// <summary>Suffix of the epoch key under which the state stage's loss watch marks a partition whose rebuild is not
    /// finished (<c>{epoch}:rebuild:{partition}</c>, written by the processor's RedisLossWatch).</summary>
    public const string RebuildMarkerInfix = ":rebuild:";

    public static async Task<StageProgress> ReadAsync(IDatabase db, string offsetsPrefix, string epochPrefix, string fromStage, string toStage)
    {
        ArgumentNullException.ThrowIfNull(db);
        var from = await RedisStateReader.ReadOffsetsAsync(db, fromStage, offsetsPrefix).ConfigureAwait(false);
        var to = await RedisStateReader.ReadOffsetsAsync(db, toStage, offsetsPrefix).ConfigureAwait(false);
        var fromEpoch = StageEpoch.Key(epochPrefix, fromStage);
        var epoch = await db.StringGetAsync(fromEpoch).ConfigureAwait(false);
        var toEpochExists = await StageEpoch.ExistsAsync(db, StageEpoch.Key(epochPrefix, toStage)).ConfigureAwait(false);
        var markerPrefix = (string)fromEpoch! + RebuildMarkerInfix;
        var markers = new Dictionary<int, string>();
        await foreach (var key in RedisStateReader.ScanKeysAsync(db.Multiplexer, RedisStateReader.EscapeGlob(markerPrefix) + "*").ConfigureAwait(false))
        {
            if (!int.TryParse(key.AsSpan(markerPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
                continue;
            if (await db.StringGetAsync(key).ConfigureAwait(false) is { IsNull: false } value)
                markers[partition] = value.ToString();
        }
        return new StageProgress(fromStage, toStage, from, to, epoch.IsNull ? null : epoch.ToString(), toEpochExists, markers);
    }

    /// <summary>The partitions whose offset the copy sets: those the new name has no offset for, or an older one.</summary>
    public static IEnumerable<int> PartitionsToCopy(StageProgress progress) =>
        progress.From.Where(f => !progress.To.TryGetValue(f.Key, out var to) || to < f.Value).Select(f => f.Key).Order();

    /// <summary>Writes what <see cref="ReadAsync"/> found under the new name: offsets (never backwards), the epoch when
    /// the new name has none, the rebuild markers. Returns the number of keys written.</summary>
    public static async Task<int> ApplyAsync(IDatabase db, string offsetsPrefix, string epochPrefix, StageProgress progress)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(progress);
        var written = 0;
        if (progress.FromEpoch is { } epoch
            && await db.StringSetAsync(StageEpoch.Key(epochPrefix, progress.ToStage), epoch, when: When.NotExists).ConfigureAwait(false))
            written++;
        foreach (var partition in PartitionsToCopy(progress))
        {
            await db.StringSetAsync(FenceScript.OffsetsKey(offsetsPrefix, progress.ToStage, partition),
                progress.From[partition].ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            written++;
        }
        var toMarkers = (string)StageEpoch.Key(epochPrefix, progress.ToStage)! + RebuildMarkerInfix;
        foreach (var (partition, end) in progress.RebuildMarkers)
        {
            await db.StringSetAsync(toMarkers + partition.ToString(CultureInfo.InvariantCulture), end).ConfigureAwait(false);
            written++;
        }
        return written;
    }
}
