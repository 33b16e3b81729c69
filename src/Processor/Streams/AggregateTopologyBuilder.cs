using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State.Supplier;
using StreamTopology = Streamiz.Kafka.Net.Stream.Topology;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Streams;

/// <summary>
/// Compiles an <see cref="AggregateStageSpec"/> into a Streamiz topology: every source topic merged into one
/// stream, one transformer with one store, one sink. The store's changelog is
/// <c>{applicationId}-{storeName}-changelog</c>, which the host must create before starting (see
/// <see cref="ChangelogTopic"/>).
/// </summary>
internal static class AggregateTopologyBuilder
{
    /// <summary>Name of the Streamiz changelog topic of the stage's store.</summary>
    public static string ChangelogTopic(AggregateStageSpec spec) => $"{spec.ApplicationId}-{spec.StoreName}-changelog";

    /// <summary>
    /// The repartition topic the stage owns for a source whose producers use another partitioner
    /// (<see cref="SourceSpec.Repartition"/>): Streamiz names it <c>{applicationId}-{name}-repartition</c>.
    /// </summary>
    public static string RepartitionTopic(AggregateStageSpec spec, SourceSpec source) => $"{spec.ApplicationId}-{RepartitionName(source)}-repartition";

    private static string RepartitionName(SourceSpec source) => $"{source.Name}-by-key";

    /// <summary>
    /// A source as the merge reads it: as it is, or, when its producers place keys by another rule, re-keyed first through
    /// the repartition topic with the engine's own partitioner, so every part of a key meets in one task.
    /// </summary>
    private static IKStream<byte[], byte[]> SourceStream(StreamBuilder builder, AggregateStageSpec spec, SourceSpec source)
    {
        var stream = builder.Stream<byte[], byte[], KeyBytesSerDes, ByteArraySerDes>(source.Topic);
        if (!source.Repartition)
            return stream;
        return stream.Repartition(Repartitioned<byte[], byte[]>.Create<KeyBytesSerDes, ByteArraySerDes>()
            .WithName(RepartitionName(source))
            // As many partitions as the source (Streamiz takes the count from it; PipelineHost creates the topic so).
            // A record without a key stays on its partition number: the merge dead-letters it for the missing key.
            .WithStreamPartitioner((_, key, _, from, count) => new Confluent.Kafka.Partition(key is null ? from.Value % count : KeyPartition.Of(key, count))));
    }

    public static StreamTopology Build(AggregateStageSpec spec, IKeyValueBytesStoreSupplier storeSupplier, IDeadLetterSink deadLetters, StageCounters counters,
        PartitionGuard? partitions)
    {
        if (spec.Sources.Count == 0)
            throw new ArgumentException($"stage '{spec.Name}' has no sources", nameof(spec));

        var builder = new StreamBuilder();
        var merged = SourceStream(builder, spec, spec.Sources[0]);
        for (var i = 1; i < spec.Sources.Count; i++)
            merged = merged.Merge(SourceStream(builder, spec, spec.Sources[i]));

        var store = Streamiz.Kafka.Net.State.Stores.KeyValueStoreBuilder(storeSupplier, new ByteArraySerDes(), new ByteArraySerDes())
            .WithCachingDisabled();

        var transformer = TransformerBuilder.New<byte[], byte[], byte[], byte[]>()
            .Transformer<AggregateTransformer>(spec, deadLetters, counters, partitions)
            .StateStore(store)
            .Build();

        merged.Transform(transformer, "merge-into-aggregate")
            .To<ByteArraySerDes, ByteArraySerDes>(spec.OutputTopic, "user-aggregate-sink");
        return builder.Build();
    }
}
