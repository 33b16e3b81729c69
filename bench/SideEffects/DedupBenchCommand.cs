using ContactCenter.Bench.Common;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Redis;
using HdrHistogram;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;

namespace ContactCenter.Bench.SideEffects;

/// <summary>
/// `dedup`: the latency deduplication adds, first-write-wins in Redis (one claim script per message, owned by the
/// record) against the seed's pattern, a Kafka hop (raw topic → a dedup stage that drops ids it has seen and forwards
/// the rest → downstream topic), once with the client settings a default Kafka Streams application runs with
/// (producer linger.ms=100, consumer fetch.max.wait.ms=500) and once with this engine's (linger.ms=0, fetch.wait.max.ms=1).
/// All in one run on the embedded native broker and Garnet, messages one at a time with short pauses; latency is from
/// the send to the moment the message is known unique (Redis: the claim's answer; Kafka: consumed from downstream).
/// Progress on stderr; the last stdout line is JSON.
/// </summary>
internal static class DedupBenchCommand
{
    /// <summary>Every timed phase lasts at least this long (after its untimed warm-up messages), whatever its message count.</summary>
    private static readonly TimeSpan MinimumPhase = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var quick = args.Contains("--quick");
        var messages = quick ? 200 : 1_000;
        return await BenchRuns.RepeatAsync("dedup", BenchRuns.Count(args), async _ =>
        {
            var calibration = ReferenceWorkload.Measure();
            using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
            using var garnet = EmbeddedGarnet.Start();
            using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);

            var redisP99 = await RedisDedupAsync(redis, messages);
            Console.Error.WriteLine($"redis first-write-wins: p99 {redisP99:F2} ms");
            var ours = KafkaHop(broker, "ours", messages, lingerMs: 0, fetchWaitMs: 1);
            Console.Error.WriteLine($"kafka hop, engine settings: p99 {ours:F1} ms");
            var streamsDefaults = KafkaHop(broker, "streams-defaults", quick ? messages / 4 : messages / 2, lingerMs: 100, fetchWaitMs: 500);
            Console.Error.WriteLine($"kafka hop, Kafka Streams default settings: p99 {streamsDefaults:F1} ms");
            return new RunOutcome(new Dictionary<string, double>
            {
                ["redisDedupP99Ms"] = Math.Round(redisP99, 3),
                ["kafkaHopDedupP99Ms"] = Math.Round(streamsDefaults, 1),
                ["kafkaHopOursP99Ms"] = Math.Round(ours, 1),
                ["ratio"] = Math.Round(streamsDefaults / Math.Max(redisP99, 0.001), 1),
                ["ratioOurs"] = Math.Round(ours / Math.Max(redisP99, 0.001), 1),
            }, true, ReferenceWorkload.Name, calibration);
        });
    }

    private static async Task<double> RedisDedupAsync(StackExchange.Redis.IConnectionMultiplexer redis, int messages)
    {
        var db = redis.GetDatabase();
        var histogram = new LongHistogram(TimeSpan.FromSeconds(10).Ticks, 3);
        var run = Guid.NewGuid().ToString("N");
        var timed = new Stopwatch();
        for (var i = -50; i < messages || timed.Elapsed < MinimumPhase; i++) // the first 50: warm-up (script load, JIT)
        {
            if (i == 0) timed.Start();
            var started = Stopwatch.GetTimestamp();
            // Every tenth message is a duplicate of the one before it, as with a redelivery or a fan-out.
            var id = $"bench:{run}:{(i % 10 == 9 ? i - 1 : i)}";
            await FirstWriteWins.TryClaimForRecordAsync(db, id, $"raw:0:{i}", TimeSpan.FromMinutes(5));
            if (i >= 0) histogram.RecordValue(Stopwatch.GetElapsedTime(started).Ticks);
            await Task.Delay(1);
        }
        return histogram.GetValueAtPercentile(99) / (double)TimeSpan.TicksPerMillisecond;
    }

    /// <summary>raw → dedup stage → downstream, with the given linger and fetch wait on every client of the hop.</summary>
    private static double KafkaHop(LocalKafka broker, string name, int messages, int lingerMs, int fetchWaitMs)
    {
        var raw = $"dedup-raw-{name}";
        var downstream = $"dedup-out-{name}";
        foreach (var topic in new[] { raw, downstream })
            broker.Provisioner.EnsureTopicAsync(topic, 1, new Dictionary<string, string>(), CancellationToken.None).GetAwaiter().GetResult();
        ProducerConfig Producer()
        {
            var config = KafkaClientDefaults.Producer(broker.BootstrapServers);
            config.LingerMs = lingerMs;
            return config;
        }
        ConsumerConfig Consumer(string group)
        {
            var config = KafkaClientDefaults.ConsumerForEmbedded(broker.BootstrapServers, group);
            config.FetchWaitMaxMs = fetchWaitMs;
            config.AutoOffsetReset = AutoOffsetReset.Earliest;
            return config;
        }

        using var stop = new CancellationTokenSource();
        var stage = Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<string, string>(Consumer($"dedup-stage-{name}")).Build();
            using var producer = new ProducerBuilder<string, string>(Producer()).Build();
            consumer.Subscribe(raw);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!stop.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result is null || !seen.Add(result.Message.Key)) continue;
                producer.Produce(downstream, new Message<string, string> { Key = result.Message.Key, Value = result.Message.Value });
            }
        });
        using var sink = new ConsumerBuilder<string, string>(Consumer($"dedup-sink-{name}")).Build();
        sink.Subscribe(downstream);
        using var source = new ProducerBuilder<string, string>(Producer()).Build();
        var histogram = new LongHistogram(TimeSpan.FromMinutes(1).Ticks, 3);
        var warmup = 10;
        var timed = new Stopwatch();
        for (var i = -warmup; i < messages || timed.Elapsed < MinimumPhase; i++)
        {
            if (i == 0) timed.Start();
            var key = $"{name}-{i}";
            var started = Stopwatch.GetTimestamp();
            source.Produce(raw, new Message<string, string> { Key = key, Value = Encoding.UTF8.GetString(new byte[64]) });
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                var result = sink.Consume(TimeSpan.FromMilliseconds(100));
                if (result?.Message.Key == key) break;
            }
            if (i >= 0) histogram.RecordValue(Stopwatch.GetElapsedTime(started).Ticks);
        }
        stop.Cancel();
        stage.GetAwaiter().GetResult();
        return histogram.GetValueAtPercentile(99) / (double)TimeSpan.TicksPerMillisecond;
    }
}
