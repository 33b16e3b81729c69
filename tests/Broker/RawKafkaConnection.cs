using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// A bare Kafka connection for APIs no client here speaks (DescribeTransactions, ListTransactions): sends a flexible
/// request (header v2) and hands back the body after the response header v1. The body is built by the caller with
/// <see cref="FlexibleBody"/>; responses are read with the broker's own <see cref="KafkaReader"/> (only a byte cursor).
/// </summary>
internal sealed class RawKafkaConnection : IDisposable
{
    private readonly TcpClient _client = new();
    private int _correlation;

    private RawKafkaConnection() { }

    public static async Task<RawKafkaConnection> ConnectAsync(string hostPort)
    {
        var connection = new RawKafkaConnection();
        var (host, port) = (hostPort[..hostPort.LastIndexOf(':')], int.Parse(hostPort[(hostPort.LastIndexOf(':') + 1)..]));
        await connection._client.ConnectAsync(host, port);
        return connection;
    }

    /// <summary>Sends one flexible request and returns a reader positioned at the response body.</summary>
    public async Task<KafkaReader> SendAsync(short apiKey, short version, byte[] body)
    {
        var correlation = ++_correlation;
        var header = new FlexibleBody().Int16(apiKey).Int16(version).Int32(correlation);
        header.Bytes.AddRange([0, 4, (byte)'r', (byte)'a', (byte)'w', (byte)' ']); // client id "raw " as an int16 string
        header.Bytes.Add(0); // no tagged fields
        var frame = new byte[4 + header.Bytes.Count + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        header.Bytes.CopyTo(frame, 4);
        body.CopyTo(frame, 4 + header.Bytes.Count);
        var stream = _client.GetStream();
        await stream.WriteAsync(frame);
        var size = new byte[4];
        await stream.ReadExactlyAsync(size);
        var response = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await stream.ReadExactlyAsync(response);
        var reader = new KafkaReader(response);
        Assert.Equal(correlation, reader.Int32());
        reader.SkipTaggedFields(); // response header v1
        return reader;
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>Builds a flexible request body by hand, written independently of the broker's writer.</summary>
internal sealed class FlexibleBody
{
    public List<byte> Bytes { get; } = [];

    public FlexibleBody Int16(short v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); Bytes.AddRange(b.ToArray()); return this; }

    public FlexibleBody Int32(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); Bytes.AddRange(b.ToArray()); return this; }

    public FlexibleBody Int64(long v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, v); Bytes.AddRange(b.ToArray()); return this; }

    public FlexibleBody Varint(uint v)
    {
        while (v >= 0x80) { Bytes.Add((byte)(v | 0x80)); v >>= 7; }
        Bytes.Add((byte)v);
        return this;
    }

    public FlexibleBody CompactString(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        Varint((uint)utf8.Length + 1);
        Bytes.AddRange(utf8);
        return this;
    }

    public FlexibleBody CompactStrings(params string[] items)
    {
        Varint((uint)items.Length + 1);
        foreach (var s in items) CompactString(s);
        return this;
    }

    public FlexibleBody Tags() => Varint(0);

    public byte[] ToArray() => [.. Bytes];
}
