using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using ContactCenter.Cli;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Tests.Processor.Operations;

/// <summary>
/// <c>contactcenter reset</c> on the embedded broker and a real redis-server, judged by what the state stage consumes
/// on its next start: a dry run changes nothing, <c>--execute</c> moves both the group's offsets and the Redis progress
/// keys the pods seek to first.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public sealed class ResetTests(RealRedisBackend backend, ITestOutputHelper log) : IDisposable
{
    private readonly LibrdkafkaMockCluster _broker = LibrdkafkaMockCluster.Start(1);
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-reset-test-").FullName;

    private async Task<StateStageHost> StartPodAsync(StateStageSpec spec)
    {
        var pod = new StateStageHost(spec, new KafkaClientSettings(_broker.BootstrapServers), backend.Redis, NullLoggerFactory.Instance, new StageHealth(NullLogger.Instance));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await pod.StartAsync(timeout.Token);
        return pod;
    }

    private static async Task EventuallyAsync(Func<bool> done, string what, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    private (int Code, string Output) Reset(string path, string stage, params string[] more)
    {
        var result = CliRunner.Run(["reset", path, "--stage", stage, "--bootstrap-servers", _broker.BootstrapServers, "--redis", backend.Endpoint, .. more]);
        log.WriteLine(result.Output);
        return result;
    }

    [Fact]
    public async Task Dry_run_changes_nothing_and_execute_moves_where_the_next_start_consumes_from()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var path = ReplayRepairTests.WriteTopology(_dir, "t.yaml", id);
        var spec = TopologyLoader.Load(path).Spec!;
        var stage = spec.State.Name;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(_broker), timeout.Token);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 12; i++)
            {
                var aggregate = new UserAggregate($"a{i}");
                aggregate.GetOrAdd("agent").Fields.Add(new("name", $"Agent {i}"));
                aggregate.GetOrAdd("agent").Version = 1;
                await producer.ProduceAsync(spec.State.InputTopic, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes($"a{i}"), Value = AggregateCodec.Encode(aggregate) });
            }
        }
        var db = backend.Db;
        await using (var pod = await StartPodAsync(spec.State))
        {
            await EventuallyAsync(() => pod.Counters.Applied == 12, "the first pod");
            // A real broker names the live members (DescribeConsumerGroups); the mock cannot, so the tool joins the
            // group, is not assigned every partition and refuses. Either way nothing changes.
            var (live, liveOutput) = Reset(path, stage, "--to-earliest", "--execute");
            Assert.Equal(1, live);
            Assert.Contains("has other live members", liveOutput);
            await pod.FlushAsync(CancellationToken.None);
            Assert.True(pod.Consumed == 12, "the live pod went through the rebalance and lost nothing");
        }
        var recorded = await RedisStateReader.ReadOffsetsAsync(db, stage);
        Assert.Equal(12, recorded.Values.Sum(o => o + 1));

        var (code, output) = Reset(path, stage, "--to-earliest");
        Assert.Equal(0, code);
        Assert.Contains("dry run: nothing was changed", output);
        Assert.Contains("(replays ", output);
        Assert.Equal(recorded, await RedisStateReader.ReadOffsetsAsync(db, stage));

        (code, output) = Reset(path, stage, "--to-offset", "999");
        Assert.Equal(2, code);
        Assert.Contains("outside the log", output);

        (code, output) = Reset(path, stage, "--to-earliest", "--execute");
        Assert.Equal(0, code);
        Assert.Empty(await RedisStateReader.ReadOffsetsAsync(db, stage));

        // The next start (same group) consumes everything again; the fence keeps Redis as it was.
        await using (var pod = await StartPodAsync(spec.State))
        {
            await EventuallyAsync(() => pod.Consumed == 12, "the replayed records");
            await pod.FlushAsync(CancellationToken.None);
            await Task.Delay(300);
            Assert.Equal(12, pod.Consumed);
            Assert.Equal(12, pod.Counters.Stale);
        }

        // One record back on one partition only: the next start consumes exactly that record again.
        var partition = recorded.Keys.Min();
        (code, output) = Reset(path, stage, "--shift-by", "-1", "--partitions", partition.ToString(System.Globalization.CultureInfo.InvariantCulture), "--execute");
        Assert.Equal(0, code);
        var after = await RedisStateReader.ReadOffsetsAsync(db, stage);
        Assert.Equal(recorded[partition] - 1, after[partition]);
        await using (var pod = await StartPodAsync(spec.State))
        {
            await EventuallyAsync(() => pod.Consumed == 1, "the one record shifted back");
            await Task.Delay(500);
            Assert.Equal(1, pod.Consumed);
        }
    }

    public void Dispose()
    {
        _broker.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

[Trait("Kind", "Unit")]
public sealed class ResetArgumentTests
{
    [Theory]
    [InlineData("PT2H", 2 * 60)]
    [InlineData("P1DT30M", 24 * 60 + 30)]
    [InlineData("PT90M", 90)]
    public void Durations_are_ISO_8601(string text, int minutes)
    {
        Assert.True(ResetCommand.TryParseIsoDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMinutes(minutes), duration);
    }

    [Theory]
    [InlineData("2h")]
    [InlineData("PT0S")]
    [InlineData("-PT1H")]
    [InlineData("P")]
    public void Other_durations_are_refused(string text) =>
        Assert.False(ResetCommand.TryParseIsoDuration(text, out _));

    [Fact]
    public void Exactly_one_target_is_required_and_nothing_is_contacted_before_that_is_checked()
    {
        var (code, output) = CliRunner.Run("reset", "topologies/agent-state.yaml", "--stage", "agent-state", "--bootstrap-servers", "127.0.0.1:1", "--redis", "127.0.0.1:1",
            "--to-earliest", "--to-latest");
        Assert.Equal(2, code);
        Assert.Contains("exactly one of", output);
    }

    [Fact]
    public void Replay_refuses_an_unknown_stage_and_names_the_stages()
    {
        var (code, output) = CliRunner.Run("replay", "topologies/agent-state.yaml", "--stage", "agent-stat", "--bootstrap-servers", "127.0.0.1:1", "--redis", "127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("no stage 'agent-stat' (stages: agent-aggregate, agent-state)", output);
        (code, output) = CliRunner.Run("replay", "topologies/agent-state.yaml", "--stage", "agent-aggregate", "--bootstrap-servers", "127.0.0.1:1", "--redis", "127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("only the state stage", output);
    }
}
