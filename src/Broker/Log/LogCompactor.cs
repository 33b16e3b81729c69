using System.Buffers.Binary;

namespace ContactCenter.Broker.Log;

/// <summary>
/// The compaction pass of <c>cleanup.policy=compact</c>: keeps the latest record of every key, drops tombstones
/// (null values) once older than <c>delete.retention.ms</c>. Batches keep their base offset and last offset delta (so
/// offsets and producer sequences stay valid); control batches are never rewritten. A compressed batch is
/// decompressed, compacted and compressed again with the same codec.
/// </summary>
internal static class LogCompactor
{
    /// <summary>One record's place in a batch's (uncompressed) records: its offset, key (null when none) and whether it is a tombstone.</summary>
    public readonly record struct RecordSpan(long Offset, int Start, int Length, byte[]? Key, bool Tombstone);

    /// <summary>A batch's records, uncompressed, and where each one is in them.</summary>
    public sealed record BatchRecords(byte[] Records, List<RecordSpan> Spans);

    /// <summary>The records of a batch; null when it is a control batch or does not parse.</summary>
    public static BatchRecords? Records(ReadOnlySpan<byte> batch)
    {
        if (!RecordBatch.TryRead(batch, out var header) || header.IsControl) return null;
        byte[] records;
        try { records = RecordBatch.UncompressedRecords(batch, header); }
        catch (InvalidDataException) { return null; }
        var list = new List<RecordSpan>(header.RecordCount);
        var pos = 0;
        try
        {
            for (var i = 0; i < header.RecordCount; i++)
            {
                var start = pos;
                var length = (int)Varlong(records, ref pos);
                var bodyStart = pos;
                if (length < 0 || bodyStart + length > records.Length) return null;
                pos++; // attributes
                Varlong(records, ref pos);                 // timestamp delta
                var offsetDelta = Varlong(records, ref pos);
                var keyLength = (int)Varlong(records, ref pos);
                byte[]? key = null;
                if (keyLength >= 0)
                {
                    if (pos + keyLength > bodyStart + length) return null;
                    key = records.AsSpan(pos, keyLength).ToArray();
                    pos += keyLength;
                }
                var valueLength = Varlong(records, ref pos);
                list.Add(new RecordSpan(header.BaseOffset + offsetDelta, start, bodyStart + length - start, key, valueLength < 0));
                pos = bodyStart + length;
            }
        }
        catch (InvalidDataException) { return null; }
        return new BatchRecords(records, list);
    }

    /// <summary>
    /// A copy of <paramref name="batch"/> holding only <paramref name="keep"/> of its records (same base offset, last
    /// offset delta and codec; new count, length and CRC); null when nothing is kept.
    /// </summary>
    public static byte[]? Rewrite(ReadOnlySpan<byte> batch, BatchRecords parsed, IReadOnlyList<RecordSpan> keep)
    {
        if (keep.Count == 0) return null;
        RecordBatch.TryRead(batch, out var header);
        var records = new byte[keep.Sum(r => r.Length)];
        var pos = 0;
        foreach (var record in keep)
        {
            parsed.Records.AsSpan(record.Start, record.Length).CopyTo(records.AsSpan(pos));
            pos += record.Length;
        }
        var payload = header.Compression == BatchCompression.None
            ? records
            : BatchCompression.Compress(header.Compression, records,
                xerial: BatchCompression.IsXerial(batch[RecordBatch.HeaderSize..header.Length]));
        var size = RecordBatch.HeaderSize + payload.Length;
        var result = new byte[size];
        batch[..RecordBatch.HeaderSize].CopyTo(result);
        payload.CopyTo(result.AsSpan(RecordBatch.HeaderSize));
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(8), size - 12);
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(57), keep.Count);
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(17), Crc32C.Compute(result.AsSpan(21)));
        return result;
    }

    private static long Varlong(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong raw = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length) throw new InvalidDataException("record runs past its batch");
            var b = data[pos++];
            raw |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }
}

/// <summary>Compares keys by content.</summary>
internal sealed class ByteKeyComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteKeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode();
    }
}
