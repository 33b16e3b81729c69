using ContactCenter.Topology.Spec;
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

    public static StreamTopology Build(AggregateStageSpec spec, IKeyValueBytesStoreSupplier storeSupplier, IDeadLetterSink deadLetters, StageCounters counters)
    {
        if (spec.Sources.Count == 0)
            throw new ArgumentException($"stage '{spec.Name}' has no sources", nameof(spec));

        var builder = new StreamBuilder();
        var merged = builder.Stream<byte[], byte[], KeyBytesSerDes, ByteArraySerDes>(spec.Sources[0].Topic);
        for (var i = 1; i < spec.Sources.Count; i++)
            merged = merged.Merge(builder.Stream<byte[], byte[], KeyBytesSerDes, ByteArraySerDes>(spec.Sources[i].Topic));

        var store = Streamiz.Kafka.Net.State.Stores.KeyValueStoreBuilder(storeSupplier, new ByteArraySerDes(), new ByteArraySerDes())
            .WithCachingDisabled();

        var transformer = TransformerBuilder.New<byte[], byte[], byte[], byte[]>()
            .Transformer<AggregateTransformer>(spec, deadLetters, counters)
            .StateStore(store)
            .Build();

        merged.Transform(transformer, "merge-into-aggregate")
            .To<ByteArraySerDes, ByteArraySerDes>(spec.OutputTopic, "user-aggregate-sink");
        return builder.Build();
    }
}
