using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Kafka;
using Streamiz.Kafka.Net.Kafka.Internal;
using Streamiz.Kafka.Net.Metrics;

namespace ContactCenter.Processor.Streams;

/// <summary>
/// Streamiz's own client supplier, except that the stream thread's consumer is a <see cref="LongPollConsumer"/>: an idle
/// stage waits on the broker instead of looping every <c>PollMs</c>.
/// </summary>
internal sealed class LongPollKafkaSupplier(IStreamConfig config, TimeSpan idleWait) : IKafkaSupplier
{
    private readonly DefaultKafkaClientSupplier _inner = new(new KafkaLoggerAdapter(config), config);

    public StreamMetricsRegistry MetricsRegistry
    {
        get => _inner.MetricsRegistry;
        set => _inner.MetricsRegistry = value;
    }

    public IConsumer<byte[], byte[]> GetConsumer(ConsumerConfig consumerConfig, IConsumerRebalanceListener rebalanceListener) =>
        new LongPollConsumer(_inner.GetConsumer(consumerConfig, rebalanceListener), TimeSpan.FromMilliseconds(config.PollMs), idleWait);

    public IProducer<byte[], byte[]> GetProducer(ProducerConfig producerConfig) => _inner.GetProducer(producerConfig);

    public IConsumer<byte[], byte[]> GetRestoreConsumer(ConsumerConfig consumerConfig) => _inner.GetRestoreConsumer(consumerConfig);

    public IAdminClient GetAdmin(AdminClientConfig adminConfig) => _inner.GetAdmin(adminConfig);

    public IConsumer<byte[], byte[]> GetGlobalConsumer(ConsumerConfig consumerConfig) => _inner.GetGlobalConsumer(consumerConfig);
}
