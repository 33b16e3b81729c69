using System.Buffers.Binary;

namespace ContactCenter.Broker.Log;

/// <summary>
/// The compaction pass of <c>cleanup.policy=compact</c>: keeps the latest record of every key, drops tombstones
/// (null values) once older than <c>delete.retention.ms</c>. Batches keep their base offset and last offset delta (so
/// offsets and producer sequences stay valid); only uncompressed, non-control batches are rewritten.
/// </summary>
internal static class LogCompactor
{
    /// <summary>One record's place in a batch: its offset, key (null when none) and whether it is a tombstone.</summary>
    public readonly record struct RecordSpan(long Offset, int Start, int Length, byte[]? Key, bool Tombstone);

    /// <summary>The records of an uncompressed batch; null when the batch is compressed, a control batch or unreadable.</summary>
    public static List<RecordSpan>? Records(ReadOnlySpan<byte> batch)
    {
        if (!RecordBatch.TryRead(batch, out var header) || header.Compression != 0 || header.IsControl) return null;
        var list = new List<RecordSpan>(header.RecordCount);
        var pos = RecordBatch.HeaderSize;
        for (var i = 0; i < header.RecordCount; i++)
        {
            var start = pos;
            var length = (int)Varlong(batch, ref pos);
            var bodyStart = pos;
            if (length < 0 || bodyStart + length > header.Length) return null;
            pos++; // attributes
            Varlong(batch, ref pos);                 // timestamp delta
            var offsetDelta = Varlong(batch, ref pos);
            var keyLength = (int)Varlong(batch, ref pos);
            byte[]? key = null;
            if (keyLength >= 0)
            {
                if (pos + keyLength > bodyStart + length) return null;
                key = batch.Slice(pos, keyLength).ToArray();
                pos += keyLength;
            }
            var valueLength = Varlong(batch, ref pos);
            list.Add(new RecordSpan(header.BaseOffset + offsetDelta, start, bodyStart + length - start, key, valueLength < 0));
            pos = bodyStart + length;
        }
        return list;
    }

    /// <summary>
    /// A copy of <paramref name="batch"/> holding only <paramref name="keep"/> of its records (same base offset and
    /// last offset delta, new count, length and CRC); null when nothing is kept.
    /// </summary>
    public static byte[]? Rewrite(ReadOnlySpan<byte> batch, IReadOnlyList<RecordSpan> keep)
    {
        if (keep.Count == 0) return null;
        var size = RecordBatch.HeaderSize + keep.Sum(r => r.Length);
        var result = new byte[size];
        batch[..RecordBatch.HeaderSize].CopyTo(result);
        var pos = RecordBatch.HeaderSize;
        foreach (var record in keep)
        {
            batch.Slice(record.Start, record.Length).CopyTo(result.AsSpan(pos));
            pos += record.Length;
        }
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
