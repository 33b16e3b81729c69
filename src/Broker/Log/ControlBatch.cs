using System.Buffers.Binary;

namespace ContactCenter.Broker.Log;

/// <summary>
/// Transaction markers: the control batches (attributes: transactional + control) the coordinator appends to every
/// partition of a transaction when it ends. One record; its key is <c>version:int16, type:int16</c> (0 abort,
/// 1 commit) and its value <c>version:int16, coordinator_epoch:int32</c>, as Kafka's record format defines them.
/// </summary>
internal static class ControlBatch
{
    private const short Transactional = 0x10;
    private const short Control = 0x20;

    // The record: length, attributes, timestamp delta, offset delta, key length, key (4), value length, value (6), headers.
    private const int RecordBody = 1 + 1 + 1 + 1 + 4 + 1 + 6 + 1;
    public const int Size = RecordBatch.HeaderSize + 1 + RecordBody;

    /// <summary>A marker batch (base offset 0: the log assigns it).</summary>
    public static byte[] Marker(long producerId, short producerEpoch, bool commit, long timestampMs, int coordinatorEpoch = 0)
    {
        var batch = new byte[Size];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[8..], Size - 12);
        span[16] = 2; // magic
        BinaryPrimitives.WriteInt16BigEndian(span[21..], Transactional | Control);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], 0);            // last offset delta
        BinaryPrimitives.WriteInt64BigEndian(span[27..], timestampMs);  // first timestamp
        BinaryPrimitives.WriteInt64BigEndian(span[35..], timestampMs);  // max timestamp
        BinaryPrimitives.WriteInt64BigEndian(span[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], -1);           // no sequence: markers are not idempotent data
        BinaryPrimitives.WriteInt32BigEndian(span[57..], 1);            // one record
        var pos = RecordBatch.HeaderSize;
        span[pos++] = ZigZag(RecordBody);
        span[pos++] = 0;            // record attributes
        span[pos++] = 0;            // timestamp delta
        span[pos++] = 0;            // offset delta
        span[pos++] = ZigZag(4);    // key length
        BinaryPrimitives.WriteInt16BigEndian(span[pos..], 0);
        BinaryPrimitives.WriteInt16BigEndian(span[(pos + 2)..], commit ? (short)1 : (short)0);
        pos += 4;
        span[pos++] = ZigZag(6);    // value length
        BinaryPrimitives.WriteInt16BigEndian(span[pos..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[(pos + 2)..], coordinatorEpoch);
        pos += 6;
        span[pos] = 0;              // no headers
        BinaryPrimitives.WriteUInt32BigEndian(span[17..], Crc32C.Compute(span[21..]));
        return batch;
    }

    /// <summary>True for a commit marker, false for an abort marker, null when the batch is not a readable marker.</summary>
    public static bool? IsCommit(ReadOnlySpan<byte> batch)
    {
        if (!RecordBatch.TryRead(batch, out var header) || !header.IsControl || header.Compression != 0 || header.RecordCount < 1) return null;
        var pos = RecordBatch.HeaderSize;
        if (!Varint(batch, ref pos, out _)) return null;                        // record length
        pos++;                                                                  // attributes
        if (!Varint(batch, ref pos, out _) || !Varint(batch, ref pos, out _)) return null; // timestamp, offset deltas
        if (!Varint(batch, ref pos, out var keyLength) || keyLength < 4 || pos + 4 > header.Length) return null;
        return BinaryPrimitives.ReadInt16BigEndian(batch[(pos + 2)..]) switch { 0 => false, 1 => true, _ => null };
    }

    private static byte ZigZag(int small) => (byte)(small << 1); // every value written here is < 64

    private static bool Varint(ReadOnlySpan<byte> data, ref int pos, out long value)
    {
        ulong raw = 0;
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length) return false;
            var b = data[pos++];
            raw |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return true;
            }
        }
        return false;
    }
}
