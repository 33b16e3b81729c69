using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Processing;

/// <summary>
/// Runs a stage's record processors (filter, map, dedup), in file order, on a flat field record in place.
/// Built once per stage from <see cref="StateStageSpec.Processors"/>; the runtime calls
/// <see cref="ProcessAsync"/> per record before writing it. Filter and map never allocate per record; only a
/// dedup step goes asynchronous (one claim per record), and the call completes synchronously without one.
/// </summary>
internal sealed class RecordProcessorChain
{
    private readonly Step[] _steps;
    private readonly IDedupStore? _dedup;

    /// <param name="processors">The stage's processors.</param>
    /// <param name="dedup">Claim store; required when a dedup processor is present.</param>
    public RecordProcessorChain(IReadOnlyList<RecordProcessorSpec> processors, IDedupStore? dedup = null)
    {
        ArgumentNullException.ThrowIfNull(processors);
        _steps = processors.Select(Step.Create).ToArray();
        if (dedup is null && _steps.Any(s => s is DedupStep))
            throw new ArgumentException("a dedup processor needs an IDedupStore", nameof(dedup));
        _dedup = dedup;
    }

    /// <summary>The chain has no processors: every record passes unchanged.</summary>
    public bool IsEmpty => _steps.Length == 0;

    /// <summary>
    /// Applies the chain to <paramref name="fields"/> (changed in place). False when a filter or dedup dropped the
    /// record: the caller then writes nothing for it (its offset still counts as processed). <paramref name="record"/>
    /// is the record's identity (topic:partition:offset): a dedup claim belongs to it, so the same record delivered
    /// again after a crash is not dropped by its own claim.
    /// </summary>
    public ValueTask<bool> ProcessAsync(string key, List<KeyValuePair<string, string>> fields, string? record = null) =>
        RunFrom(0, key, fields, record);

    private ValueTask<bool> RunFrom(int start, string key, List<KeyValuePair<string, string>> fields, string? record)
    {
        for (var i = start; i < _steps.Length; i++)
        {
            switch (_steps[i])
            {
                case FilterStep filter:
                    if (!filter.Keep(fields)) return new ValueTask<bool>(false);
                    break;
                case MapStep map:
                    map.Apply(fields);
                    break;
                case DedupStep dedup:
                    var id = dedup.IdOf(key, fields);
                    if (id is null) break; // nothing to deduplicate on: let the record through rather than lose it
                    var claim = _dedup!.TryClaimAsync(dedup.Prefix + id, record, dedup.Ttl);
                    if (!claim.IsCompletedSuccessfully) return Continue(claim, i + 1, key, fields, record);
                    if (!claim.Result) return new ValueTask<bool>(false);
                    break;
            }
        }
        return new ValueTask<bool>(true);
    }

    private async ValueTask<bool> Continue(ValueTask<bool> claim, int next, string key, List<KeyValuePair<string, string>> fields, string? record)
    {
        if (!await claim.ConfigureAwait(false)) return false;
        return await RunFrom(next, key, fields, record).ConfigureAwait(false);
    }

    internal static int IndexOf(List<KeyValuePair<string, string>> fields, string name)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (string.Equals(fields[i].Key, name, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    private abstract class Step
    {
        public static Step Create(RecordProcessorSpec spec) => spec switch
        {
            FilterProcessorSpec f => new FilterStep(f),
            MapProcessorSpec m => new MapStep(m),
            DedupProcessorSpec d => new DedupStep(d),
            _ => throw new ArgumentException($"processor '{spec.Name}' ({spec.GetType().Name}) does not run on field records", nameof(spec)),
        };
    }

    private sealed class FilterStep(FilterProcessorSpec spec) : Step
    {
        private readonly string[] _values = spec.Values.ToArray();

        public bool Keep(List<KeyValuePair<string, string>> fields)
        {
            var index = IndexOf(fields, spec.Field);
            var match = spec.Test switch
            {
                FilterTest.Exists => index >= 0,
                FilterTest.Absent => index < 0,
                _ => index >= 0 && Array.IndexOf(_values, fields[index].Value) >= 0,
            };
            return match != spec.Negate;
        }
    }

    private sealed class MapStep(MapProcessorSpec spec) : Step
    {
        public void Apply(List<KeyValuePair<string, string>> fields)
        {
            foreach (var rename in spec.Rename)
            {
                var index = IndexOf(fields, rename.From);
                if (index < 0 || rename.From == rename.To) continue;
                var value = fields[index].Value;
                var existing = IndexOf(fields, rename.To);
                fields[index] = new KeyValuePair<string, string>(rename.To, value);
                if (existing >= 0) fields.RemoveAt(existing); // the renamed field replaces one already there
            }
            foreach (var drop in spec.Drop)
            {
                var index = IndexOf(fields, drop);
                if (index >= 0) fields.RemoveAt(index);
            }
            foreach (var set in spec.Set)
            {
                var index = IndexOf(fields, set.Key);
                if (index >= 0) fields[index] = set;
                else fields.Add(set);
            }
        }
    }

    private sealed class DedupStep(DedupProcessorSpec spec) : Step
    {
        public string Prefix => spec.KeyPrefix;

        public TimeSpan Ttl => spec.Ttl;

        public string? IdOf(string key, List<KeyValuePair<string, string>> fields)
        {
            if (spec.IdField is null) return key;
            var index = IndexOf(fields, spec.IdField);
            return index >= 0 ? fields[index].Value : null;
        }
    }
}

/// <summary>The Redis sink's field mapping, shared by the runtime and the fixture runner.</summary>
internal static class FieldProjection
{
    /// <summary>
    /// Appends to <paramref name="output"/> the fields <paramref name="mapping"/> selects, under their hash names
    /// (all fields under their own names when the mapping is empty). Fields the record lacks are left out.
    /// </summary>
    public static void Project(IReadOnlyList<FieldMapping> mapping, List<KeyValuePair<string, string>> fields, List<KeyValuePair<string, string>> output)
    {
        if (mapping.Count == 0)
        {
            output.AddRange(fields);
            return;
        }
        for (var i = 0; i < mapping.Count; i++)
        {
            var index = RecordProcessorChain.IndexOf(fields, mapping[i].From);
            if (index >= 0) output.Add(new KeyValuePair<string, string>(mapping[i].To, fields[index].Value));
        }
    }
}
