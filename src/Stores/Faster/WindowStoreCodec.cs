using System.Buffers.Binary;
using System.Text;

namespace ContactCenter.Stores.Faster;

/// <summary>A window's count and the input offset (of its partition) of the record that last changed it.</summary>
public readonly record struct WindowCount(long Count, long Offset);

/// <summary>The last value of a <c>once-per</c> field counted for a record key, and the offset of that record.</summary>
public readonly record struct CountedMark(string Value, long Offset);

/// <summary>How far a partition's window store has applied its input: the offset of the last record it processed and
/// the stream time (highest event time counted) after it.</summary>
public readonly record struct WindowProgress(long Offset, long StreamTime);

/// <summary>
/// The window store's record format, which is also its changelog's: a kind byte, then the entry. Windows:
/// <c>'w' + start (8 bytes, big-endian, so keys sort by start) + group key (UTF-8)</c> to <c>count, offset</c>
/// (2 x 8 bytes, little-endian). Marks: <c>'m' + record key</c> to <c>offset + value (UTF-8)</c>. Progress: <c>'p'</c>
/// to <c>offset, stream time</c>. A null changelog value deletes the entry (an expired window).
/// </summary>
public static class WindowStoreCodec
{
    public const byte WindowKind = (byte)'w';
    public const byte MarkKind = (byte)'m';
    public const byte ProgressKind = (byte)'p';

    public static byte[] WindowKey(string group, long start)
    {
        var key = new byte[9 + Encoding.UTF8.GetByteCount(group)];
        key[0] = WindowKind;
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(1), start);
        Encoding.UTF8.GetBytes(group, key.AsSpan(9));
        return key;
    }

    public static (string Group, long Start) ReadWindowKey(ReadOnlySpan<byte> key) =>
        (Encoding.UTF8.GetString(key[9..]), BinaryPrimitives.ReadInt64BigEndian(key[1..]));

    public static byte[] WindowValue(WindowCount count)
    {
        var value = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(value, count.Count);
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(8), count.Offset);
        return value;
    }

    public static WindowCount ReadWindowValue(ReadOnlySpan<byte> value) =>
        value.Length == 16
            ? new WindowCount(BinaryPrimitives.ReadInt64LittleEndian(value), BinaryPrimitives.ReadInt64LittleEndian(value[8..]))
            : throw new FormatException($"a window value is 16 bytes, not {value.Length}");

    public static byte[] MarkKey(string recordKey)
    {
        var key = new byte[1 + Encoding.UTF8.GetByteCount(recordKey)];
        key[0] = MarkKind;
        Encoding.UTF8.GetBytes(recordKey, key.AsSpan(1));
        return key;
    }

    public static byte[] MarkValue(CountedMark mark)
    {
        var value = new byte[8 + Encoding.UTF8.GetByteCount(mark.Value)];
        BinaryPrimitives.WriteInt64LittleEndian(value, mark.Offset);
        Encoding.UTF8.GetBytes(mark.Value, value.AsSpan(8));
        return value;
    }

    public static CountedMark ReadMarkValue(ReadOnlySpan<byte> value) =>
        value.Length >= 8
            ? new CountedMark(Encoding.UTF8.GetString(value[8..]), BinaryPrimitives.ReadInt64LittleEndian(value))
            : throw new FormatException($"a mark value is at least 8 bytes, not {value.Length}");

    public static readonly byte[] ProgressKey = [ProgressKind];

    public static byte[] ProgressValue(WindowProgress progress)
    {
        var value = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(value, progress.Offset);
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(8), progress.StreamTime);
        return value;
    }

    public static WindowProgress ReadProgressValue(ReadOnlySpan<byte> value) =>
        value.Length == 16
            ? new WindowProgress(BinaryPrimitives.ReadInt64LittleEndian(value), BinaryPrimitives.ReadInt64LittleEndian(value[8..]))
            : throw new FormatException($"a progress value is 16 bytes, not {value.Length}");
}
