namespace ContactCenter.Topology.Spec;

/// <summary>
/// Grouped counts over the agent table (topology file: <c>type: count</c>): the number of agent hashes per combination
/// of values of <paramref name="By"/> (hash fields), kept in the Redis hash <paramref name="Key"/> by the fenced write
/// itself (docs/pipeline.md, "Grouped counts").
/// </summary>
public sealed record CountSpec(string Name, IReadOnlyList<string> By, string Key);
