using Confluent.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Stages;
using ContactCenter.Stores.Faster;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Sandbox.Fixtures;

/// <summary>
/// The window stages of a fixture: each record of a window's input runs through the code a pod runs
/// (<see cref="WindowRecordStep"/>, <see cref="WindowCounter"/> on a real <see cref="FasterWindowStore"/> per partition,
/// <see cref="WindowHashWriter"/> into the fixture's Garnet); changelog records and dead letters are appended to their
/// topics as a pod's producers would write them.
/// </summary>
internal sealed class FixtureWindows(IReadOnlyList<WindowStageSpec> windows, IDatabase redis, string stateDir) : IDisposable
{
    private readonly Dictionary<(string Window, int Partition), FasterWindowStore> _stores = new();
    private readonly WindowOutcome _outcome = new();

    /// <summary>Runs a record through every window reading <paramref name="topic"/>; <paramref name="emit"/> appends a
    /// record (topic, partition, key, value, headers) to a topic.</summary>
    public async Task DeliverAsync(string topic, int partition, long offset, byte[]? key, byte[]? value, Headers headers,
        Action<string, int, byte[]?, byte[]?, Headers?> emit)
    {
        foreach (var window in windows.Where(w => w.InputTopic == topic))
        {
            if (!_stores.TryGetValue((window.Name, partition), out var store))
                _stores[(window.Name, partition)] = store = new FasterWindowStore(Path.Combine(stateDir, "windows", window.Name, partition.ToString(System.Globalization.CultureInfo.InvariantCulture)), window.Retention);
            _outcome.Clear();
            var record = WindowRecordStep.Read(window, key, value);
            if (record.Reject is { } reject) _outcome.DeadLetterReason = reject;
            else if (record.Selected) WindowCounter.Count(window, store, partition, offset, record, _outcome);
            if (_outcome.DeadLetterReason is { } reason)
            {
                var copy = DeadLetterCopy.Of(key, value, headers, reason, ContactCenter.Topology.Aggregation.MergeStep.SourceOf(topic, partition, offset));
                emit(window.DeadLetterTopic, -1, copy.Key, copy.Value, copy.Headers);
                continue;
            }
            foreach (var entry in _outcome.Changelog) emit(window.ChangelogTopic, partition, entry.Key, entry.Value, null);
            await new WindowHashWriter(redis, window.Ttl).WriteAsync(
                _outcome.Updates.Select(u => new WindowHashWrite(u.RedisKey, u.Partition, u.Offset, u.Count, u.Start, u.End)).ToList()).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var store in _stores.Values) store.Dispose();
        _stores.Clear();
    }
}
