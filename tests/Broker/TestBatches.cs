using System.Buffers.Binary;
using ContactCenter.Broker.Log;

namespace ContactCenter.Tests.Broker;

/// <summary>Builds record batches (magic 2, uncompressed) byte by byte, independently of the broker's reader.</summary>
internal static class TestBatches
{
    public static byte[] Build(long firstTimestamp, IReadOnlyList<(long TimestampDelta, byte[] Value)> records,
        long producerId = -1, short epoch = -1, int baseSequence = -1) =>
        Build(firstTimestamp, records.Select(r => (r.TimestampDelta, (byte[]?)null, (byte[]?)r.Value)).ToList(), producerId, epoch, baseSequence);

    /// <summary>Keyed records; a null value is a tombstone.</summary>
    public static byte[] Keyed(long timestamp, params (string Key, string? Value)[] records) =>
        Build(timestamp, records.Select(r => (0L, (byte[]?)System.Text.Encoding.UTF8.GetBytes(r.Key),
            r.Value is null ? null : System.Text.Encoding.UTF8.GetBytes(r.Value))).ToList(), -1, -1, -1);

    public static byte[] Build(long firstTimestamp, IReadOnlyList<(long TimestampDelta, byte[]? Key, byte[]? Value)> records,
        long producerId, short epoch, int baseSequence)
    {
        var body = new List<byte>();
        for (var i = 0; i < records.Count; i++)
        {
            var record = new List<byte> { 0 }; // attributes
            Varlong(record, records[i].TimestampDelta);
            Varlong(record, i);                // offset delta
            Varlong(record, records[i].Key?.Length ?? -1);
            if (records[i].Key is { } key) record.AddRange(key);
            Varlong(record, records[i].Value?.Length ?? -1);
            if (records[i].Value is { } value) record.AddRange(value);
            Varlong(record, 0);                // no headers
            Varlong(body, record.Count);
            body.AddRange(record);
        }
        var batch = new byte[RecordBatch.HeaderSize + body.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - 12);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1);
        span[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[21..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], records.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], firstTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], firstTimestamp + records.Max(r => r.TimestampDelta));
        BinaryPrimitives.WriteInt64BigEndian(span[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], epoch);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records.Count);
        body.CopyTo(batch, RecordBatch.HeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[17..], Crc32C.Compute(span[21..]));
        return batch;
    }

    private static void Varlong(List<byte> into, long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        while (raw >= 0x80) { into.Add((byte)(raw | 0x80)); raw >>= 7; }
        into.Add((byte)raw);
    }
}
