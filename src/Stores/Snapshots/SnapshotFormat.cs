using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.Pipelines;
using System.Text;

namespace ContactCenter.Stores.Snapshots;

/// <summary>
/// The snapshot file format (version 1), written and read through System.IO.Pipelines. All integers little-endian;
/// strings are a u32 byte length and UTF-8 bytes.
/// <code>
/// magic "CCSNAP" 0x00 0x01 (8 bytes)
/// header  : stage, key pattern, created (i64 unix ms), u32 n, n x (i32 partition, i64 offset)
/// records : u8 kind (1 hash, 2 tombstone), u32 payload length, payload
///           hash      = key, u32 field count, (field, value) x count
///           tombstone = key, fence, i64 time to live ms
/// end     : u8 0
/// trailer : u64 record count, u32 CRC-32 of every byte before the trailer
/// </code>
/// A reader checks the magic, every length against what is left, the end marker, the count and the checksum, so a
/// truncated, corrupted or foreign file is refused with the reason instead of being half loaded.
/// </summary>
public static class SnapshotFormat
{
    private static readonly byte[] Magic = "CCSNAP\0\u0001"u8.ToArray();
    private const byte HashRecord = 1;
    private const byte TombstoneRecord = 2;
    private const byte EndMarker = 0;
    private const int TrailerBytes = 12;

    /// <summary>Writes a snapshot to <paramref name="path"/> through a temporary file renamed at the end, so a reader
    /// never sees a half-written file under the final name.</summary>
    public static async Task WriteAsync(string path, SnapshotHeader header, IAsyncEnumerable<object> records, CancellationToken ct = default)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var writer = PipeWriter.Create(file, new StreamPipeWriterOptions(leaveOpen: true));
                var crc = new Crc32();
                var scratch = new ArrayBufferWriter<byte>(4096);
                void Emit(ReadOnlySpan<byte> bytes)
                {
                    crc.Append(bytes);
                    bytes.CopyTo(writer.GetSpan(bytes.Length));
                    writer.Advance(bytes.Length);
                }

                Emit(Magic);
                scratch.ResetWrittenCount();
                WriteString(scratch, header.Stage);
                WriteString(scratch, header.KeyPattern);
                WriteInt64(scratch, header.CreatedUnixMs);
                WriteUInt32(scratch, (uint)header.Offsets.Count);
                foreach (var (partition, offset) in header.Offsets.OrderBy(o => o.Key))
                {
                    WriteUInt32(scratch, (uint)partition);
                    WriteInt64(scratch, offset);
                }
                Emit(scratch.WrittenSpan);

                ulong count = 0;
                var prefix = new byte[5];
                await foreach (var record in records.WithCancellation(ct).ConfigureAwait(false))
                {
                    scratch.ResetWrittenCount();
                    byte kind;
                    switch (record)
                    {
                        case SnapshotHash hash:
                            kind = HashRecord;
                            WriteString(scratch, hash.Key);
                            WriteUInt32(scratch, (uint)hash.Fields.Count);
                            foreach (var (field, value) in hash.Fields)
                            {
                                WriteString(scratch, field);
                                WriteString(scratch, value);
                            }
                            break;
                        case SnapshotTombstone tomb:
                            kind = TombstoneRecord;
                            WriteString(scratch, tomb.Key);
                            WriteString(scratch, tomb.Fence);
                            WriteInt64(scratch, tomb.TimeToLiveMs);
                            break;
                        default:
                            throw new ArgumentException($"not a snapshot record: {record?.GetType().Name}", nameof(records));
                    }
                    prefix[0] = kind;
                    BinaryPrimitives.WriteUInt32LittleEndian(prefix.AsSpan(1), (uint)scratch.WrittenCount);
                    Emit(prefix);
                    Emit(scratch.WrittenSpan);
                    count++;
                    if (writer.UnflushedBytes > 1 << 16)
                        await writer.FlushAsync(ct).ConfigureAwait(false);
                }
                Emit([EndMarker]);
                var trailer = writer.GetSpan(TrailerBytes);
                BinaryPrimitives.WriteUInt64LittleEndian(trailer, count);
                BinaryPrimitives.WriteUInt32LittleEndian(trailer[8..], crc.GetCurrentHashAsUInt32());
                writer.Advance(TrailerBytes);
                await writer.CompleteAsync().ConfigureAwait(false);
                await file.FlushAsync(ct).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Reads and verifies a whole snapshot; throws <see cref="SnapshotFormatException"/> when it is not one.</summary>
    public static async Task<(SnapshotHeader Header, List<object> Records)> ReadAsync(string path, CancellationToken ct = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var reader = PipeReader.Create(file);
        // Snapshots are read whole before anything is loaded: a bad file must not leave half of itself in Redis.
        ReadResult result;
        while (true)
        {
            result = await reader.ReadAsync(ct).ConfigureAwait(false);
            if (result.IsCompleted) break;
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        try
        {
            return Parse(path, result.Buffer);
        }
        finally
        {
            reader.AdvanceTo(result.Buffer.End);
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static (SnapshotHeader, List<object>) Parse(string path, ReadOnlySequence<byte> all)
    {
        if (all.Length < Magic.Length + TrailerBytes + 1)
            throw new SnapshotFormatException(path, $"{all.Length} bytes is too short to be a snapshot");
        var body = all.Slice(0, all.Length - TrailerBytes);
        var trailer = new SequenceReader<byte>(all.Slice(all.Length - TrailerBytes));
        trailer.TryReadLittleEndian(out long expectedCount);
        trailer.TryReadLittleEndian(out int expectedCrc);
        var crc = new Crc32();
        foreach (var segment in body) crc.Append(segment.Span);

        var reader = new SequenceReader<byte>(body);
        Span<byte> magic = stackalloc byte[8];
        if (!reader.TryCopyTo(magic) || !magic.SequenceEqual(Magic))
            throw new SnapshotFormatException(path, "not a ContactCenter snapshot (bad magic); format version 1 expected");
        reader.Advance(Magic.Length);
        if (crc.GetCurrentHashAsUInt32() != (uint)expectedCrc)
            throw new SnapshotFormatException(path, "checksum mismatch: the file is corrupted or truncated");

        var stage = ReadString(path, ref reader);
        var pattern = ReadString(path, ref reader);
        var created = ReadInt64(path, ref reader);
        var partitions = ReadUInt32(path, ref reader);
        var offsets = new Dictionary<int, long>();
        for (var i = 0u; i < partitions; i++)
            offsets[(int)ReadUInt32(path, ref reader)] = ReadInt64(path, ref reader);

        var records = new List<object>();
        while (true)
        {
            if (!reader.TryRead(out var kind)) throw new SnapshotFormatException(path, "ends without its end marker");
            if (kind == EndMarker) break;
            var length = ReadUInt32(path, ref reader);
            if (length > reader.Remaining) throw new SnapshotFormatException(path, $"record {records.Count + 1} claims {length} bytes, only {reader.Remaining} are left");
            var end = reader.Consumed + length;
            switch (kind)
            {
                case HashRecord:
                    var key = ReadString(path, ref reader);
                    var count = ReadUInt32(path, ref reader);
                    var fields = new List<KeyValuePair<string, string>>((int)Math.Min(count, 1024));
                    for (var f = 0u; f < count; f++) fields.Add(new(ReadString(path, ref reader), ReadString(path, ref reader)));
                    records.Add(new SnapshotHash(key, fields));
                    break;
                case TombstoneRecord:
                    records.Add(new SnapshotTombstone(ReadString(path, ref reader), ReadString(path, ref reader), ReadInt64(path, ref reader)));
                    break;
                default:
                    throw new SnapshotFormatException(path, $"unknown record kind {kind} at byte {reader.Consumed - 1}");
            }
            if (reader.Consumed != end) throw new SnapshotFormatException(path, $"record {records.Count} is not {length} bytes long");
        }
        if (reader.Remaining != 0) throw new SnapshotFormatException(path, "data after the end marker");
        if (expectedCount != records.Count) throw new SnapshotFormatException(path, $"the trailer counts {expectedCount} records, the file holds {records.Count}");
        return (new SnapshotHeader(stage, pattern, created, offsets), records);
    }

    private static void WriteString(IBufferWriter<byte> writer, string text)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        WriteUInt32(writer, (uint)bytes);
        Encoding.UTF8.GetBytes(text, writer.GetSpan(bytes));
        writer.Advance(bytes);
    }

    private static void WriteUInt32(IBufferWriter<byte> writer, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    private static void WriteInt64(IBufferWriter<byte> writer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    private static uint ReadUInt32(string path, ref SequenceReader<byte> reader) =>
        reader.TryReadLittleEndian(out int value) ? (uint)value : throw new SnapshotFormatException(path, $"ends early at byte {reader.Consumed}");

    private static long ReadInt64(string path, ref SequenceReader<byte> reader) =>
        reader.TryReadLittleEndian(out long value) ? value : throw new SnapshotFormatException(path, $"ends early at byte {reader.Consumed}");

    private static string ReadString(string path, ref SequenceReader<byte> reader)
    {
        var length = ReadUInt32(path, ref reader);
        if (length > reader.Remaining) throw new SnapshotFormatException(path, $"a string of {length} bytes runs past the end at byte {reader.Consumed}");
        var bytes = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw new SnapshotFormatException(path, $"a string before byte {reader.Consumed} is not valid UTF-8");
        }
    }
}
