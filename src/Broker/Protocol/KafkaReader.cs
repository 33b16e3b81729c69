using System.Buffers.Binary;
using System.Text;

namespace ContactCenter.Broker.Protocol;

/// <summary>Thrown when a request body does not decode: the connection answers nothing and is closed.</summary>
internal sealed class MalformedRequestException(string message) : Exception(message);

/// <summary>Thrown when a request must be answered by closing the connection (an acks=0 produce that failed, as on Kafka).</summary>
internal sealed class CloseConnectionException(string message) : Exception(message);

/// <summary>
/// Reads Kafka's big-endian primitives from one request frame. Every read is bounds-checked and throws
/// <see cref="MalformedRequestException"/> instead of reading past the frame.
/// </summary>
internal sealed class KafkaReader(ReadOnlyMemory<byte> frame)
{
    private readonly ReadOnlyMemory<byte> _frame = frame;
    private int _pos;

    public int Position => _pos;
    public int Remaining => _frame.Length - _pos;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining) throw new MalformedRequestException($"need {count} bytes at {_pos}, have {Remaining}");
        var span = _frame.Span.Slice(_pos, count);
        _pos += count;
        return span;
    }

    public sbyte Int8() => (sbyte)Take(1)[0];
    public bool Bool() => Take(1)[0] != 0;
    public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public uint UnsignedVarint()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            value |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new MalformedRequestException("varint too long");
    }

    public string String() => NullableString() ?? throw new MalformedRequestException("null string");

    public string? NullableString()
    {
        var length = Int16();
        if (length < 0) return null;
        return Encoding.UTF8.GetString(Take(length));
    }

    public string? CompactNullableString()
    {
        var length = (int)UnsignedVarint() - 1;
        if (length < 0) return null;
        return Encoding.UTF8.GetString(Take(length));
    }

    public string CompactString() => CompactNullableString() ?? throw new MalformedRequestException("null compact string");

    /// <summary>A flexible-version array (unsigned varint length + 1; 0 is null, read as empty).</summary>
    public List<T> CompactArray<T>(Func<KafkaReader, T> element, int minElementBytes = 1)
    {
        var count = (long)UnsignedVarint() - 1;
        if (count > 0 && count * minElementBytes > Remaining)
            throw new MalformedRequestException($"compact array of {count} elements at {_pos}");
        var list = new List<T>((int)Math.Max(count, 0));
        for (var i = 0; i < count; i++) list.Add(element(this));
        return list;
    }

    public ReadOnlyMemory<byte>? NullableBytes()
    {
        var length = Int32();
        if (length < 0) return null;
        var start = _pos;
        Take(length);
        return _frame.Slice(start, length);
    }

    public ReadOnlyMemory<byte> Bytes() => NullableBytes() ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>An array length; -1 (null) reads as -1. Caps absurd counts by what the frame could hold.</summary>
    public int ArrayLength(int minElementBytes = 1)
    {
        var count = Int32();
        if (count < -1 || (count > 0 && (long)count * minElementBytes > Remaining))
            throw new MalformedRequestException($"array of {count} elements at {_pos - 4}");
        return count;
    }

    public List<T> Array<T>(Func<KafkaReader, T> element, int minElementBytes = 1)
    {
        var count = ArrayLength(minElementBytes);
        var list = new List<T>(Math.Max(count, 0));
        for (var i = 0; i < count; i++) list.Add(element(this));
        return list;
    }

    /// <summary>Skips a flexible-version tagged-field section.</summary>
    public void SkipTaggedFields()
    {
        var count = UnsignedVarint();
        for (var i = 0u; i < count; i++)
        {
            UnsignedVarint(); // tag
            Take((int)UnsignedVarint());
        }
    }
}
