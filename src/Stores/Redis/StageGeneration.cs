using System.Globalization;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// The generation a state stage writes as, when a migration made it (<c>contactcenter migrate</c>): the stages of the new
/// topology count offsets in other partitions than the old ones, so their writes carry a generation, compared before
/// offsets (<see cref="FenceScript"/>, docs/pipeline.md, "Generations"). Its writes change no hash until the cut-over key
/// exists; from then on an older generation never overwrites them and they pass an older generation's fence by source
/// timestamp. Stages no migration made have no key and write as generation 0, exactly as before.
/// </summary>
/// <param name="Number">The generation, 1 or more.</param>
/// <param name="CutOverKey">Exists once readers see this generation's writes.</param>
public readonly record struct StageGeneration(long Number, RedisKey CutOverKey)
{
    /// <summary>Prefix of the keys: <c>cc:generation:{stage}</c> holds the number, <c>cc:generation:{stage}:cutover</c>
    /// exists once cut over.</summary>
    public const string Prefix = "cc:generation";

    /// <summary>Holds the generation <paramref name="stage"/> writes as.</summary>
    public static RedisKey Key(string stage) => $"{Prefix}:{stage}";

    /// <summary>Exists once <paramref name="stage"/>'s writes are what readers see.</summary>
    public static RedisKey CutOverKeyOf(string stage) => $"{Prefix}:{stage}:cutover";

    /// <summary>The generation <paramref name="stage"/> writes as, or null (generation 0).</summary>
    public static async Task<StageGeneration?> ReadAsync(IDatabase db, string stage)
    {
        ArgumentNullException.ThrowIfNull(db);
        var value = (string?)await db.StringGetAsync(Key(stage)).ConfigureAwait(false);
        if (value is null)
            return null;
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            throw new InvalidDataException($"{Key(stage)} holds '{value}', not a generation (a whole number from 1)");
        return new StageGeneration(number, CutOverKeyOf(stage));
    }

    /// <summary>Makes <paramref name="stage"/> write as <paramref name="number"/>; refuses another number already set.</summary>
    public static async Task SetAsync(IDatabase db, string stage, long number)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        var text = number.ToString(CultureInfo.InvariantCulture);
        if (await db.StringSetAsync(Key(stage), text, when: When.NotExists).ConfigureAwait(false))
            return;
        var held = (string?)await db.StringGetAsync(Key(stage)).ConfigureAwait(false);
        if (held != text)
            throw new InvalidOperationException($"stage {stage} already writes as generation {held}, not {number}");
    }

    /// <summary>From now on readers see <paramref name="stage"/>'s writes (idempotent).</summary>
    public static Task CutOverAsync(IDatabase db, string stage) =>
        db.StringSetAsync(CutOverKeyOf(stage), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));

    /// <summary>Whether <paramref name="stage"/> is cut over.</summary>
    public static Task<bool> IsCutOverAsync(IDatabase db, string stage) => db.KeyExistsAsync(CutOverKeyOf(stage));

    /// <summary>Forgets <paramref name="stage"/>'s generation (a rollback before cut-over: no hash holds it).</summary>
    public static Task ForgetAsync(IDatabase db, string stage) => ClusterSafe.DeleteAsync(db, [Key(stage), CutOverKeyOf(stage)]); // two slots on a cluster
}
