using System.Text;

namespace ContactCenter.Stores.Faster;

/// <summary>
/// Metadata written inside every FASTER checkpoint (its commit cookie), so the offsets travel with the
/// data they describe: one file set, one atomic commit. Layout (little endian):
/// <c>"CCFS" u8 version i64 entries i64 sequence str storeName i32 n { str topic i32 partition i64 nextOffset u8 source } u64 fnv1a</c>.
/// </summary>
internal sealed record CheckpointCookie(string StoreName, long Entries, long Sequence, IReadOnlyList<CoveredOffset> Offsets)
{
    private const uint Magic = 0x53464343; // "CCFS"
    private const byte Version = 1;

    public byte[] Serialize()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(Entries);
            w.Write(Sequence);
            w.Write(StoreName);
            w.Write(Offsets.Count);
            foreach (var o in Offsets)
            {
                w.Write(o.Topic);
                w.Write(o.Partition);
                w.Write(o.NextOffset);
                w.Write((byte)o.Source);
            }
        }
        var body = ms.ToArray();
        var result = new byte[body.Length + sizeof(ulong)];
        body.CopyTo(result, 0);
        BitConverter.TryWriteBytes(result.AsSpan(body.Length), Fnv1a(body));
        return result;
    }

    /// <summary>Parses a cookie; throws <see cref="InvalidDataException"/> when it is absent, truncated or fails its checksum.</summary>
    public static CheckpointCookie Parse(byte[]? bytes)
    {
        if (bytes is null || bytes.Length < 4 + 1 + 8 + 8 + 1 + 4 + 8)
            throw new InvalidDataException("checkpoint has no (or a truncated) ContactCenter cookie");
        var body = bytes.AsSpan(0, bytes.Length - sizeof(ulong));
        if (BitConverter.ToUInt64(bytes, bytes.Length - sizeof(ulong)) != Fnv1a(body))
            throw new InvalidDataException("checkpoint cookie checksum mismatch");
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, 0, body.Length), Encoding.UTF8);
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("checkpoint cookie has a foreign magic number");
            var version = r.ReadByte();
            if (version != Version) throw new InvalidDataException($"checkpoint cookie version {version} is not supported");
            var entries = r.ReadInt64();
            var sequence = r.ReadInt64();
            var name = r.ReadString();
            var n = r.ReadInt32();
            var offsets = new List<CoveredOffset>(n);
            for (var i = 0; i < n; i++)
                offsets.Add(new CoveredOffset(r.ReadString(), r.ReadInt32(), r.ReadInt64(), (OffsetSource)r.ReadByte()));
            return new CheckpointCookie(name, entries, sequence, offsets);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("checkpoint cookie is truncated", e);
        }
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        var h = 14695981039346656037UL;
        foreach (var b in data) { h ^= b; h *= 1099511628211UL; }
        return h;
    }
}

/// <summary>Where a covered offset was learnt.</summary>
internal enum OffsetSource : byte
{
    /// <summary>The store applied changelog records up to (excluding) NextOffset through its restore callback.</summary>
    Restored = 0,

    /// <summary>Streamiz's task .checkpoint held NextOffset when this checkpoint was taken (Streamiz flushes stores before writing it).</summary>
    StreamizCheckpoint = 1,
}

/// <summary>A changelog position the checkpointed state is known to include: every record before <see cref="NextOffset"/>.</summary>
internal readonly record struct CoveredOffset(string Topic, int Partition, long NextOffset, OffsetSource Source);
