using System.Buffers.Binary;
using System.Net.Sockets;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Broker;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// Malformed input on one connection (random bytes, truncated frames, absurd size prefixes, unknown APIs and versions,
/// valid headers over garbage bodies) must cost at most that connection: the broker keeps answering everyone else.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class BrokerFuzzTests : IDisposable
{
    private readonly KafkaBroker _broker = KafkaBroker.Start(1);
    private string Host => _broker.BootstrapServers.Split(':')[0];
    private int Port => int.Parse(_broker.BootstrapServers.Split(':')[1]);

    private static byte[] Frame(short apiKey, short version, int correlationId, ReadOnlySpan<byte> body, string? clientId = "fuzz")
    {
        var id = clientId is null ? [] : System.Text.Encoding.UTF8.GetBytes(clientId);
        var size = 2 + 2 + 4 + 2 + id.Length + body.Length;
        var frame = new byte[4 + size];
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), apiKey);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), version);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), correlationId);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), clientId is null ? (short)-1 : (short)id.Length);
        id.CopyTo(frame.AsSpan(14));
        body.CopyTo(frame.AsSpan(14 + id.Length));
        return frame;
    }

    /// <summary>Sends <paramref name="bytes"/>, then reads whatever comes back until the broker closes or goes quiet.</summary>
    private async Task<byte[]> ExchangeAsync(byte[] bytes, bool closeSend = false, int quietMs = 300)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Host, Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(bytes);
            if (closeSend) client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (IOException) { return []; } // the broker already closed on us: fine
        var received = new MemoryStream();
        var buffer = new byte[65536];
        while (true)
        {
            using var quiet = new CancellationTokenSource(quietMs);
            int n;
            try { n = await stream.ReadAsync(buffer, quiet.Token); }
            catch (OperationCanceledException) { break; }
            catch (IOException) { break; }
            if (n == 0) break;
            received.Write(buffer, 0, n);
        }
        return received.ToArray();
    }

    private async Task AssertStillServingAsync(int correlationId)
    {
        var answer = await ExchangeAsync(Frame(ApiKey.ApiVersions, 0, correlationId, []));
        Assert.True(answer.Length > 10, "no ApiVersions answer after malformed input");
        Assert.Equal(correlationId, BinaryPrimitives.ReadInt32BigEndian(answer.AsSpan(4)));
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(answer.AsSpan(8)));
    }

    [Fact]
    public async Task Specific_malformed_frames_close_the_connection_or_get_an_error()
    {
        // Absurd and negative size prefixes: closed at once.
        Assert.Empty(await ExchangeAsync([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
        Assert.Empty(await ExchangeAsync([0xff, 0xff, 0xff, 0xfe]));
        // Truncated frame, then the client goes away.
        await ExchangeAsync(Frame(ApiKey.Metadata, 1, 1, new byte[40])[..20], closeSend: true);
        // Unknown API and unsupported version of a known one: closed, as Kafka does.
        Assert.Empty(await ExchangeAsync(Frame(999, 0, 2, [])));
        Assert.Empty(await ExchangeAsync(Frame(ApiKey.Produce, 99, 3, [])));
        // An ApiVersions version from the future: UNSUPPORTED_VERSION in v0 form, so the client can fall back.
        var future = await ExchangeAsync(Frame(ApiKey.ApiVersions, 9, 4, []));
        Assert.Equal(4, BinaryPrimitives.ReadInt32BigEndian(future.AsSpan(4)));
        Assert.Equal(ContactCenter.Broker.Protocol.ErrorCode.UnsupportedVersion, BinaryPrimitives.ReadInt16BigEndian(future.AsSpan(8)));
        // A body that claims a billion topics.
        Assert.Empty(await ExchangeAsync(Frame(ApiKey.Metadata, 1, 5, [0x3b, 0x9a, 0xca, 0x00])));
        // A null client id is fine.
        var nullId = await ExchangeAsync(Frame(ApiKey.ApiVersions, 0, 6, [], clientId: null));
        Assert.Equal(6, BinaryPrimitives.ReadInt32BigEndian(nullId.AsSpan(4)));
        await AssertStillServingAsync(7);
    }

    [Fact]
    public async Task Random_bodies_behind_valid_headers_never_stop_the_broker()
    {
        var random = new Random(20261130);
        for (var i = 0; i < 150; i++)
        {
            var (key, _, max) = ApiKey.Supported[random.Next(ApiKey.Supported.Count)];
            var body = new byte[random.Next(0, 64)];
            random.NextBytes(body);
            var bytes = random.Next(4) switch
            {
                0 => body,                                                              // no framing at all
                1 => Frame(key, (short)random.Next(0, max + 1), i, body)[..Math.Max(4, random.Next(4, 14 + body.Length))], // cut short
                _ => Frame(key, (short)random.Next(0, max + 1), i, body),               // well framed, garbage inside
            };
            await ExchangeAsync(bytes, closeSend: random.Next(2) == 0, quietMs: 100);
        }
        await AssertStillServingAsync(424242);

        // And a real client still gets full service.
        _broker.CreateTopic("after-fuzz", 2);
        using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
        var delivered = await producer.ProduceAsync("after-fuzz", new Message<string, string> { Key = "k", Value = "v" }).WaitAsync(KafkaTestClient.DefaultDeadline);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    public void Dispose() => _broker.Dispose();
}
