using Confluent.Kafka;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using ContactCenter.Processor.Logging;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Streams;

/// <summary>
/// The aggregate stage's per-record co-partitioning check (<see cref="PartitionCheck"/>) with what an operator sees of
/// it: the record is dead-lettered (reason class <c>wrong-partition</c> in the dead-letter metric), counted per source in
/// <see cref="WrongPartition"/>, and logged as a warning at most once a minute per source with the count since.
/// </summary>
internal sealed class PartitionGuard(ILogger logger)
{
    private readonly IntervalLog _log = new(TimeSpan.FromMinutes(1));

    /// <summary>Records found on another partition than their key's, per source name.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, long> WrongPartition { get; } = new(StringComparer.Ordinal);

    /// <summary>Null when the record is where its key belongs, else the dead-letter reason.</summary>
    public string? Check(SourceSpec source, byte[]? key, TopicPartitionOffset at)
    {
        if (PartitionCheck.Check(source, key, key is not null, at.Partition.Value) is not { } reason)
            return null;
        WrongPartition.AddOrUpdate(source.Name, 1, static (_, n) => n + 1);
        if (_log.Occurred(source.Name, out var count))
            logger.LogWarning("{Count} record(s) of source {Source} ({Topic}) were on another partition than their key's and were dead-lettered " +
                "(e.g. {Origin}: {Reason}). Its producers use another partitioner than murmur2: fix them, or declare the source 'partitioner: any'",
                count, source.Name, source.Topic, $"{at.Topic}/{at.Partition.Value}/{at.Offset.Value}", reason);
        return reason;
    }
}
