using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;

namespace ContactCenter.Processor.Streams;

/// <summary>
/// Key serde that turns a missing key into an empty one. Streamiz skips records whose key deserializes to
/// null before any processor sees them; an empty key reaches the merge processor, which dead-letters it with
/// a reason instead of losing it silently.
/// </summary>
internal sealed class KeyBytesSerDes : AbstractSerDes<byte[]>
{
    public override byte[] Deserialize(byte[] data, SerializationContext context) => data ?? [];

    public override byte[] Serialize(byte[] data, SerializationContext context) => data;
}
