using System.Globalization;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations.Migration;

/// <summary>Where a migration is; each phase is recorded in Redis before the next starts, so a killed <c>migrate</c>
/// resumes where it was.</summary>
internal enum MigrationPhase
{
    /// <summary>Nothing recorded: the migration has not started.</summary>
    None,

    /// <summary>New topics exist and the new state stage's generation is set: the bridge copies, the shadow catches up.</summary>
    Shadowing,

    /// <summary>Readers see the new stages' writes; the bridge goes on until producers have switched.</summary>
    CutOver,

    /// <summary>The old sources stayed idle and the bridge copied everything: the old stages can be removed.</summary>
    Done,
}

/// <summary>The migration's record in Redis: <c>cc:migration:{id}</c> (phase, generation, when each phase began).</summary>
internal sealed class MigrationState(IDatabase db, string id)
{
    public RedisKey Key { get; } = $"cc:migration:{id}";

    public async Task<(MigrationPhase Phase, long Generation, long StartedMs, long CutOverMs)> ReadAsync()
    {
        var entries = (await db.HashGetAllAsync(Key).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        if (!entries.TryGetValue("phase", out var phase))
            return (MigrationPhase.None, 0, 0, 0);
        long Number(string field) => entries.TryGetValue(field, out var v) ? long.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        return (Enum.Parse<MigrationPhase>(phase), Number("generation"), Number("started"), Number("cutover"));
    }

    public Task BeginAsync(long generation, int partitionsBefore, int partitionsAfter) => db.HashSetAsync(Key,
    [
        new HashEntry("phase", MigrationPhase.Shadowing.ToString()),
        new HashEntry("generation", generation),
        new HashEntry("started", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
        new HashEntry("partitions", $"{partitionsBefore}->{partitionsAfter}"),
    ]);

    public Task SetPhaseAsync(MigrationPhase phase, string? timeField = null) => timeField is null
        ? db.HashSetAsync(Key, "phase", phase.ToString())
        : db.HashSetAsync(Key, [new HashEntry("phase", phase.ToString()), new HashEntry(timeField, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())]);

    public Task DeleteAsync() => db.KeyDeleteAsync(Key);
}
