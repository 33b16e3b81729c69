using System.Buffers.Binary;

namespace ContactCenter.Broker.Log;

/// <summary>
/// The fixed header of a record batch (magic 2), read in place. The broker stores batches as the producer sent
/// them and only rewrites the base offset (and the partition leader epoch) on append; neither is covered by the CRC.
/// </summary>
internal readonly struct RecordBatch
{
    public const int HeaderSize = 61;
    private const int CrcStart = 21;

    public long BaseOffset { get; init; }
    public int Length { get; init; }            // whole batch, including the 12-byte offset + length prefix
    public sbyte Magic { get; init; }
    public short Attributes { get; init; }
    public int LastOffsetDelta { get; init; }
    public long FirstTimestamp { get; init; }
    public long MaxTimestamp { get; init; }
    public long ProducerId { get; init; }
    public short ProducerEpoch { get; init; }
    public int BaseSequence { get; init; }
    public int RecordCount { get; init; }

    public int Compression => Attributes & 0x7;
    public bool IsTransactional => (Attributes & 0x10) != 0;
    public bool IsControl => (Attributes & 0x20) != 0;

    /// <summary>Reads the header at the start of <paramref name="data"/>; false when fewer bytes than it claims.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RecordBatch batch)
    {
        batch = default;
        if (data.Length < HeaderSize) return false;
        var batchLength = BinaryPrimitives.ReadInt32BigEndian(data[8..]);
        if (batchLength < HeaderSize - 12 || batchLength > data.Length - 12) return false;
        batch = new RecordBatch
        {
            BaseOffset = BinaryPrimitives.ReadInt64BigEndian(data),
            Length = batchLength + 12,
            Magic = (sbyte)data[16],
            Attributes = BinaryPrimitives.ReadInt16BigEndian(data[21..]),
            LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(data[23..]),
            FirstTimestamp = BinaryPrimitives.ReadInt64BigEndian(data[27..]),
            MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(data[35..]),
            ProducerId = BinaryPrimitives.ReadInt64BigEndian(data[43..]),
            ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(data[51..]),
            BaseSequence = BinaryPrimitives.ReadInt32BigEndian(data[53..]),
            RecordCount = BinaryPrimitives.ReadInt32BigEndian(data[57..]),
        };
        return true;
    }

    /// <summary>True when the stored CRC-32C matches the bytes from the attributes to the end of the batch.</summary>
    public static bool CrcMatches(ReadOnlySpan<byte> batchBytes)
    {
        var stored = BinaryPrimitives.ReadUInt32BigEndian(batchBytes[17..]);
        return stored == Crc32C.Compute(batchBytes[CrcStart..]);
    }

    public static void SetBaseOffset(Span<byte> batchBytes, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(batchBytes, baseOffset);

    public static void SetPartitionLeaderEpoch(Span<byte> batchBytes, int epoch) =>
        BinaryPrimitives.WriteInt32BigEndian(batchBytes[12..], epoch);

    /// <summary>The records of a batch (after its header), decompressed when the batch is compressed.</summary>
    public static byte[] UncompressedRecords(ReadOnlySpan<byte> batchBytes, in RecordBatch header)
    {
        var payload = batchBytes[HeaderSize..header.Length];
        return header.Compression == BatchCompression.None ? payload.ToArray() : BatchCompression.Decompress(header.Compression, payload);
    }

    /// <summary>
    /// The offset of the first record at or after <paramref name="minOffset"/> whose timestamp is at least
    /// <paramref name="timestamp"/>, walking the batch's records (decompressed if need be); null when none is.
    /// </summary>
    public static (long Offset, long Timestamp)? FirstOffsetAtOrAfter(ReadOnlySpan<byte> batchBytes, long timestamp, long minOffset = 0)
    {
        if (!TryRead(batchBytes, out var header) || header.MaxTimestamp < timestamp) return null;
        byte[] records;
        try { records = UncompressedRecords(batchBytes, header); }
        catch (InvalidDataException) { return null; }
        var pos = 0;
        for (var i = 0; i < header.RecordCount && pos < records.Length; i++)
        {
            var length = ReadVarlong(records, ref pos);
            var next = pos + (int)length;
            pos++; // attributes
            var timestampDelta = ReadVarlong(records, ref pos);
            var offsetDelta = ReadVarlong(records, ref pos);
            if (header.FirstTimestamp + timestampDelta >= timestamp && header.BaseOffset + offsetDelta >= minOffset)
                return (header.BaseOffset + offsetDelta, header.FirstTimestamp + timestampDelta);
            pos = next;
        }
        return null;
    }

    private static long ReadVarlong(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong raw = 0;
        for (var shift = 0; shift < 64 && pos < data.Length; shift += 7)
        {
            var b = data[pos++];
            raw |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        return (long)(raw >> 1) ^ -(long)(raw & 1); // zig-zag
    }
}
