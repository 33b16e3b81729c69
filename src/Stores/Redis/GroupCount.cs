using System.Security.Cryptography;
using System.Text;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// A grouped count the fenced write keeps (<see cref="AgentTableUpkeep"/>): the number of agent hashes per combination of
/// the values of <paramref name="By"/>, in the Redis hash <paramref name="Key"/> (field: the values joined by '|').
/// </summary>
public sealed record GroupCount(string Name, IReadOnlyList<string> By, string Key)
{
    /// <summary>Separator of the group's values in a count field (<c>acme|AVAILABLE</c>).</summary>
    public const char Separator = '|';

    /// <summary>
    /// The agent-hash field recording the group this agent is counted in (<c>_c:{name}.{definition}</c>): a write moves
    /// the count from exactly the group it was counted in, and a changed definition (other fields or key) starts marks of
    /// its own instead of reading the old ones.
    /// </summary>
    public string Marker { get; } = MarkerOf(Name, By, Key);

    /// <summary>The count's field for an agent with these values, or null when a value is missing (no group).</summary>
    public string? GroupOf(Func<string, string?> value)
    {
        var text = new StringBuilder();
        for (var i = 0; i < By.Count; i++)
        {
            var v = value(By[i]);
            if (string.IsNullOrEmpty(v)) return null;
            if (i > 0) text.Append(Separator);
            text.Append(v);
        }
        return text.ToString();
    }

    /// <summary>The shard of the count held in <paramref name="slot"/> on a Redis Cluster: <c>{key}{tag}</c>.</summary>
    public string ShardKey(int slot) => Key + ClusterSlots.Tag(slot);

    private static string MarkerOf(string name, IReadOnlyList<string> by, string key)
    {
        var definition = SHA1.HashData(Encoding.UTF8.GetBytes(key + "\n" + string.Join("\n", by)));
        return FenceScript.CountMarkerPrefix + name + "." + Convert.ToHexStringLower(definition.AsSpan(0, 4));
    }
}

/// <summary>
/// What the fenced write keeps besides the agent hash itself: grouped counts and time in state (docs/pipeline.md,
/// "Grouped counts and time in state"). Both move only when the agent's write applies.
/// </summary>
/// <param name="Counts">Grouped counts over the agent hashes.</param>
/// <param name="TimeInStateField">Hash field whose time in state is kept (statusSince, timeInDay, timeIn); null keeps none.</param>
public sealed record AgentTableUpkeep(IReadOnlyList<GroupCount> Counts, string? TimeInStateField = null)
{
    /// <summary>Hash field: event time (Unix ms) since which the agent holds its current state.</summary>
    public const string StatusSinceField = "statusSince";

    /// <summary>Hash field: the UTC day (Unix ms of its midnight) <see cref="TimeInField"/> covers.</summary>
    public const string TimeInDayField = "timeInDay";

    /// <summary>Hash field: milliseconds per state spent on that day before the current state, <c>AVAILABLE=1200;ON_CALL=300</c>.</summary>
    public const string TimeInField = "timeIn";

    public bool IsEmpty => Counts.Count == 0 && TimeInStateField is null;
}
