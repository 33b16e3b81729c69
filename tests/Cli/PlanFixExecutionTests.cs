using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Stages;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Stores.Redis;
using ContactCenter.Tests.Topology.Files;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// <c>plan</c>'s fixes do what they promise, run as printed (<c>plan --format json</c>'s commands, with the cluster's
/// addresses added) on the embedded broker and a real redis-server: a renamed state stage resumes where the old name
/// stopped, without a rebuild and without reading again what it had applied; a renamed queue has every job, list, lease
/// and counter the old one had, and nothing is left under the old name.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public sealed class PlanFixExecutionTests(RealRedisBackend backend, ITestOutputHelper log) : IDisposable
{
    private readonly LocalKafka _kafka = LocalKafka.Start(BrokerKind.Embedded, 1);
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-plan-fix-").FullName;
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    private string Write(string file, string text)
    {
        var path = Path.Combine(_dir, file);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Runs <c>plan OLD NEW --format json</c> and then each fix's command with the cluster's addresses; returns plan's exit code.</summary>
    private int PlanAndRunFixes(string oldPath, string newPath, params string[] expectedKinds)
    {
        var (code, json) = CliRunner.Run("plan", oldPath, newPath, "--format", "json");
        log.WriteLine(json);
        using var document = JsonDocument.Parse(json);
        var fixes = document.RootElement.GetProperty("items").EnumerateArray().SelectMany(i => i.GetProperty("fixes").EnumerateArray()).ToList();
        Assert.Equal(expectedKinds, fixes.Select(f => f.GetProperty("kind").GetString()));
        foreach (var fix in fixes)
        {
            var words = PlanFixCommandTests.ShellWords(fix.GetProperty("command").GetString()!);
            Assert.Equal("contactcenter", words[0]);
            var (fixCode, output) = CliRunner.Run([.. words.Skip(1), "--bootstrap-servers", _kafka.BootstrapServers, "--redis", backend.Endpoint]);
            log.WriteLine(output);
            Assert.True(fixCode == 0, $"{string.Join(' ', words)} exited {fixCode}: {output}");
        }
        return code;
    }

    private string StateTopology(string stage, string group = "cc.agent-state") => Repo.AgentStateWith("  - name: agent-state\n", $"  - name: {stage}\n")
        .Replace("group: cc.agent-state\n", $"group: {group}\n", StringComparison.Ordinal)
        .Replace("key-pattern: \"cc:agent:{key}\"", $"key-pattern: \"p{_id}:agent:{{key}}\"", StringComparison.Ordinal);

    private async Task ProduceAsync(string topic, int version, int agents)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_kafka.BootstrapServers)).Build();
        for (var i = 0; i < agents; i++)
        {
            var aggregate = new UserAggregate($"a{i}");
            aggregate.GetOrAdd("agent").Fields.Add(new("name", $"Agent {i} v{version}"));
            aggregate.GetOrAdd("agent").Version = version;
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes($"a{i}"), Value = AggregateCodec.Encode(aggregate) });
        }
    }

    private async Task<StateStageHost> StartAsync(StateStageSpec spec)
    {
        var pod = new StateStageHost(spec, new KafkaClientSettings(_kafka.BootstrapServers), backend.Redis, NullLoggerFactory.Instance, new StageHealth(NullLogger.Instance));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await pod.StartAsync(timeout.Token);
        return pod;
    }

    private static async Task EventuallyAsync(Func<bool> done, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_renamed_state_stage_resumes_where_the_old_name_stopped_without_a_rebuild(bool withItsGroup)
    {
        const int agents = 12;
        var oldPath = Write("old.yaml", StateTopology($"ps{_id}"));
        var newPath = Write("new.yaml", withItsGroup ? StateTopology($"ps{_id}-v2", $"cc.ps{_id}-v2") : StateTopology($"ps{_id}-v2"));
        var oldSpec = TopologyLoader.Load(oldPath).Spec!.State;
        var newSpec = TopologyLoader.Load(newPath).Spec!.State;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await PipelineHost.ProvisionTopicsAsync(TopologyLoader.Load(oldPath).Spec!, _kafka.Provisioner, timeout.Token);
        await ProduceAsync(oldSpec.InputTopic, 1, agents);
        await using (var old = await StartAsync(oldSpec))
            await EventuallyAsync(() => old.Counters.Applied == agents, "the old stage");

        if (withItsGroup)
            Assert.Equal(3, PlanAndRunFixes(oldPath, newPath, "copy-progress", "move-group-offsets"));
        else
            Assert.Equal(5, PlanAndRunFixes(oldPath, newPath, "copy-progress"));

        await ProduceAsync(newSpec.InputTopic, 2, agents);
        await using (var renamed = await StartAsync(newSpec))
        {
            await EventuallyAsync(() => renamed.Counters.Applied == agents, "the renamed stage");
            var db = backend.Db;
            for (var i = 0; i < agents; i++)
                Assert.Equal($"Agent {i} v2", (string?)await db.HashGetAsync($"p{_id}:agent:a{i}", "name"));
            Assert.Equal(agents, renamed.Counters.Consumed); // only the new records: nothing applied before was read again
            Assert.Equal(0, renamed.Recovery.LossesDetected);
            Assert.Empty(renamed.Recovery.Rebuilds);
        }

        // The same rename without the fix: the stage does not find its state and reads everything again.
        var unfixed = TopologyLoader.Load(Write("unfixed.yaml", StateTopology($"ps{_id}-v3"))).Spec!.State;
        await using (var control = await StartAsync(unfixed))
        {
            await EventuallyAsync(() => control.Recovery.LossesDetected > 0 || control.Counters.Consumed >= 2 * agents, "the unfixed stage");
            Assert.True(control.Recovery.LossesDetected > 0 || control.Counters.Consumed > agents);
        }
    }

    [Fact]
    public async Task Copy_progress_refuses_while_the_stage_runs_and_when_the_old_name_has_nothing()
    {
        var oldPath = Write("old.yaml", StateTopology($"ps{_id}"));
        var newPath = Write("new.yaml", StateTopology($"ps{_id}-v2"));
        var oldSpec = TopologyLoader.Load(oldPath).Spec!;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await PipelineHost.ProvisionTopicsAsync(oldSpec, _kafka.Provisioner, timeout.Token);
        string[] Copy(string from) => ["copy-progress", newPath, "--stage", $"ps{_id}-v2", "--from-stage", from, "--execute",
            "--bootstrap-servers", _kafka.BootstrapServers, "--redis", backend.Endpoint];

        var (code, output) = CliRunner.Run(Copy($"ps{_id}-never"));
        Assert.True(code == 1 && output.Contains("has no epoch key", StringComparison.Ordinal), output);

        await ProduceAsync(oldSpec.State.InputTopic, 1, 6);
        await using (var running = await StartAsync(oldSpec.State))
        {
            await EventuallyAsync(() => running.Counters.Applied == 6, "the old stage");
            (code, output) = CliRunner.Run(Copy($"ps{_id}"));
            Assert.True(code == 1 && output.Contains("has live members", StringComparison.Ordinal), output);
            Assert.False(await backend.Db.KeyExistsAsync($"cc:epoch:ps{_id}-v2"), "a refused copy wrote the epoch");
        }
    }

    [Fact]
    public async Task A_renamed_queue_has_every_key_of_the_old_one_and_nothing_is_left_behind()
    {
        var oldQueue = $"q{_id}:notify";
        // Renamed into a hash-tagged name: the way a queue is made ready for a Redis Cluster (docs/pipeline.md).
        var newQueue = $"q{_id}:{{notify-2}}";
        var withQueue = PlanDocsTableTests.WithQueue();
        var oldPath = Write("old.yaml", withQueue.Replace("queue: cc:queue:notify", $"queue: {oldQueue}", StringComparison.Ordinal));
        var newPath = Write("new.yaml", withQueue.Replace("queue: cc:queue:notify", $"queue: {newQueue}", StringComparison.Ordinal));

        // Jobs in every state the queue has: ready, held by two workers, waiting for a retry, dead, done.
        var queue = new RedisJobQueue(backend.Redis, oldQueue, new JobQueueOptions { RetryBaseDelay = TimeSpan.FromHours(1), RetryMaxDelay = TimeSpan.FromHours(1) });
        var lastChance = new RedisJobQueue(backend.Redis, oldQueue, new JobQueueOptions { MaxAttempts = 1 });
        for (var i = 0; i < 20; i++)
            Assert.True(await queue.EnqueueAsync($"job-{i}", $"{{\"n\":{i}}}"));
        var first = await queue.ClaimAsync("w1", 3);
        var second = await queue.ClaimAsync("w2", 2);
        Assert.True(await queue.CompleteAsync("w1", first[0].Id));
        Assert.Equal(FailOutcome.Retrying, await queue.FailAsync("w1", first[1], "timeout"));
        Assert.Equal(FailOutcome.Dead, await lastChance.FailAsync("w2", second[0], "refused"));
        var before = await DumpAsync(oldQueue);
        Assert.Contains(before.Keys, k => k.EndsWith(":processing:w1", StringComparison.Ordinal));
        Assert.True(before.Count >= 11, string.Join(", ", before.Keys));

        Assert.Equal(3, PlanAndRunFixes(oldPath, newPath, "move-queue"));

        var after = await DumpAsync(newQueue);
        Assert.Empty(await DumpAsync(oldQueue));
        Assert.Equal(before.Keys.Select(k => newQueue + k[oldQueue.Length..]).Order(), after.Keys.Order());
        foreach (var (key, content) in before)
            Assert.Equal(content, after[newQueue + key[oldQueue.Length..]]);
        // The new queue's workers see the moved jobs: the next ready one is the oldest still waiting.
        var moved = new RedisJobQueue(backend.Redis, newQueue);
        Assert.Equal("job-5", (await moved.ClaimAsync("w3", 1)).Single().Id);
        Assert.Equal("timeout", await moved.LastErrorAsync(first[1].Id));
    }

    /// <summary>Every key under <paramref name="queue"/>: its type and its content in a comparable form.</summary>
    private async Task<Dictionary<string, string>> DumpAsync(string queue)
    {
        var db = backend.Db;
        var dump = new Dictionary<string, string>();
        await foreach (var key in RedisStateReader.ScanKeysAsync(backend.Redis, queue + ":*"))
        {
            var type = await db.KeyTypeAsync(key);
            dump[key] = type switch
            {
                RedisType.List => "list " + string.Join(",", await db.ListRangeAsync(key)),
                RedisType.Hash => "hash " + string.Join(",", (await db.HashGetAllAsync(key)).Select(e => $"{e.Name}={e.Value}").Order()),
                RedisType.SortedSet => "zset " + string.Join(",", (await db.SortedSetRangeByRankWithScoresAsync(key)).Select(e => $"{e.Element}={e.Score}")),
                _ => type + " " + await db.StringGetAsync(key),
            };
        }
        return dump;
    }

    public void Dispose()
    {
        _kafka.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
