using System.Buffers.Binary;
using System.Net.Sockets;
using ContactCenter.Broker;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Tests.Broker;

/// <summary>ApiVersions v3 byte by byte: request header v2, response header v0, flexible body.</summary>
[Trait("Kind", "Integration")]
public sealed class ApiVersionsWireTests : IDisposable
{
    private readonly KafkaBroker _broker = KafkaBroker.Start(1);

    [Fact]
    public async Task ApiVersions_v3_answers_a_flexible_body_behind_a_v0_response_header()
    {
        // Header v2: key, version, correlation id, client id (int16 string), tagged fields; body: two compact strings, tags.
        byte[] request =
        [
            0, 0, 0, 0, 0, 18, 0, 3, 0, 0, 0, 77, 0, 2, (byte)'c', (byte)'c', 0,
            4, (byte)'l', (byte)'i', (byte)'b', 6, (byte)'2', (byte)'.', (byte)'1', (byte)'6', (byte)'.', 0,
        ];
        BinaryPrimitives.WriteInt32BigEndian(request, request.Length - 4);
        var port = int.Parse(_broker.BootstrapServers.Split(':')[1]);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(request);
        var sizeBytes = new byte[4];
        await stream.ReadExactlyAsync(sizeBytes);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(sizeBytes)];
        await stream.ReadExactlyAsync(body);

        var reader = new KafkaReader(body);
        Assert.Equal(77, reader.Int32());              // header v0: correlation id only, no tagged fields
        Assert.Equal(ErrorCode.None, reader.Int16());
        var count = (int)reader.UnsignedVarint() - 1;  // compact array
        Assert.Equal(ApiKey.Supported.Count, count);
        var seen = new Dictionary<short, (short, short)>();
        for (var i = 0; i < count; i++)
        {
            var key = reader.Int16();
            seen[key] = (reader.Int16(), reader.Int16());
            reader.SkipTaggedFields();
        }
        Assert.Equal(0, reader.Int32());               // throttle
        reader.SkipTaggedFields();
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(((short)0, (short)3), seen[ApiKey.ApiVersions]);
        Assert.Equal(((short)4, (short)11), seen[ApiKey.Fetch]);
        Assert.Equal(((short)3, (short)7), seen[ApiKey.Produce]);
        Assert.Equal(((short)0, (short)3), seen[ApiKey.TxnOffsetCommit]);       // v3: KIP-447 group metadata
        Assert.Equal(((short)0, (short)0), seen[ApiKey.DescribeTransactions]);
        Assert.Equal(((short)0, (short)0), seen[ApiKey.ListTransactions]);
    }

    public void Dispose() => _broker.Dispose();
}
