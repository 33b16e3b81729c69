using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ContactCenter.Broker.Protocol;

/// <summary>
/// Builds one response frame: reserves the 4-byte size prefix, then big-endian primitives. <see cref="Frame"/> fills in
/// the size. Record sets are appended as they are stored (no copy through an intermediate buffer beyond this one).
/// </summary>
internal sealed class KafkaWriter
{
    private const int ShareAtLeast = 512;
    private readonly ArrayBufferWriter<byte> _first = new(256);
    private readonly List<ReadOnlyMemory<byte>> _chunks = [];
    private ArrayBufferWriter<byte> _buffer;
    private int _chunkBytes;

    public KafkaWriter()
    {
        _buffer = _first;
        Int32(0); // size, patched by Frame()
    }

    public int Length => _chunkBytes + _buffer.WrittenCount;

    /// <summary>
    /// Appends stored bytes (a record batch) by reference: the response goes out as a list of chunks, so fetched data
    /// is copied once, into the socket. Small ones are copied inline.
    /// </summary>
    public KafkaWriter Shared(ReadOnlyMemory<byte> data)
    {
        if (data.Length < ShareAtLeast) return Raw(data.Span);
        _chunks.Add(_buffer.WrittenMemory);
        _chunkBytes += _buffer.WrittenCount + data.Length;
        _chunks.Add(data);
        _buffer = new ArrayBufferWriter<byte>(256);
        return this;
    }

    public KafkaWriter Int8(sbyte value) => Byte((byte)value);

    public KafkaWriter Bool(bool value) { _buffer.GetSpan(1)[0] = value ? (byte)1 : (byte)0; _buffer.Advance(1); return this; }

    public KafkaWriter Byte(byte value) { _buffer.GetSpan(1)[0] = value; _buffer.Advance(1); return this; }

    public KafkaWriter Int16(short value) { BinaryPrimitives.WriteInt16BigEndian(_buffer.GetSpan(2), value); _buffer.Advance(2); return this; }

    public KafkaWriter Int32(int value) { BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value); _buffer.Advance(4); return this; }

    public KafkaWriter Int64(long value) { BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value); _buffer.Advance(8); return this; }

    public KafkaWriter UnsignedVarint(uint value)
    {
        while (value >= 0x80)
        {
            Byte((byte)(value | 0x80));
            value >>= 7;
        }
        return Byte((byte)value);
    }

    public KafkaWriter String(string? value)
    {
        if (value is null) return Int16(-1);
        var count = Encoding.UTF8.GetByteCount(value);
        Int16(checked((short)count));
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(count));
        _buffer.Advance(count);
        return this;
    }

    public KafkaWriter CompactString(string? value)
    {
        if (value is null) return UnsignedVarint(0);
        var count = Encoding.UTF8.GetByteCount(value);
        UnsignedVarint((uint)count + 1);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(count));
        _buffer.Advance(count);
        return this;
    }

    /// <summary>A flexible-version array: unsigned varint length + 1, then the elements.</summary>
    public KafkaWriter CompactArray<T>(IReadOnlyCollection<T> items, Action<KafkaWriter, T> element)
    {
        UnsignedVarint((uint)items.Count + 1);
        foreach (var item in items) element(this, item);
        return this;
    }

    /// <summary>An empty tagged-field section (flexible versions end every structure with one).</summary>
    public KafkaWriter NoTaggedFields() => UnsignedVarint(0);

    public KafkaWriter Bytes(ReadOnlySpan<byte> value)
    {
        Int32(value.Length);
        return Raw(value);
    }

    public KafkaWriter NullableBytes(ReadOnlyMemory<byte>? value) => value is null ? Int32(-1) : Bytes(value.Value.Span);

    public KafkaWriter Raw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
        return this;
    }

    public KafkaWriter Array<T>(IReadOnlyCollection<T> items, Action<KafkaWriter, T> element)
    {
        Int32(items.Count);
        foreach (var item in items) element(this, item);
        return this;
    }

    /// <summary>The complete frame, size prefix included, as one or more chunks to write in order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Frame()
    {
        BinaryPrimitives.WriteInt32BigEndian(System.Runtime.InteropServices.MemoryMarshal.AsMemory(_first.WrittenMemory).Span, Length - 4);
        if (_chunks.Count == 0) return [_buffer.WrittenMemory];
        var all = new List<ReadOnlyMemory<byte>>(_chunks) { _buffer.WrittenMemory };
        return all;
    }
}
