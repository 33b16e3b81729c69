using System.Buffers;
using System.Text.Json;

namespace ContactCenter.Topology.Events;

/// <summary>Serializes source events to their wire JSON with a reused per-thread buffer and writer.</summary>
public static class EventSerde
{
    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic] private static Utf8JsonWriter? _writer;

    /// <summary>The event's JSON bytes (the returned array is the only allocation).</summary>
    public static byte[] Serialize(ISourceEvent ev)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        ev.Write(writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
