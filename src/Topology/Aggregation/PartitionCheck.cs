using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Aggregation;

/// <summary>
/// Co-partitioning, checked per record: the merge meets every part of a key in one task only when every producer put
/// the key on the partition <see cref="KeyPartition"/> gives it. A record found elsewhere was produced with another
/// partitioner (librdkafka's default CRC32, a custom one); merging it would split an agent over two tasks and two
/// stores, each with part of it, so it is refused with a reason starting with <see cref="Reason"/>.
/// </summary>
internal static class PartitionCheck
{
    /// <summary>The dead-letter reason's first word, and its class in metrics.</summary>
    public const string Reason = "wrong-partition";

    /// <summary>Null when <paramref name="key"/> belongs on <paramref name="partition"/> of <paramref name="source"/>'s
    /// topic, else why not. A source read through the stage's repartition topic and a record without a key (refused for
    /// its key anyway) are not judged here.</summary>
    public static string? Check(SourceSpec source, ReadOnlySpan<byte> key, bool hasKey, int partition)
    {
        if (source.Repartition || !hasKey)
            return null;
        var expected = KeyPartition.Of(key, source.Partitions);
        return expected == partition
            ? null
            : $"{Reason}: key belongs on partition {expected} of {source.Partitions} (murmur2) but was on {partition}; the producer of '{source.Topic}' uses another partitioner (declare the source 'partitioner: any' to repartition it)";
    }
}
