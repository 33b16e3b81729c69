using ContactCenter.Bench.Startup;
using ContactCenter.Bench.Broker;
using ContactCenter.Bench.Pipeline;
using ContactCenter.Bench.Redis;
using ContactCenter.Bench.SideEffects;
using ContactCenter.Bench.Feed;
using ContactCenter.Bench.Stores;
using ContactCenter.Bench.Scale;

// ContactCenter.Bench: one verb per benchmark. Keep this file a dispatcher only.
return args switch
{
    ["stores", .. var rest] => StoreBenchCommand.Run(rest),
    ["micro", .. var rest] => MicroCommand.Run(rest),
    ["checkpoints", .. var rest] => CheckpointDriftCommand.Run(rest),
    ["startup", .. var rest] => await StartupBenchmark.RunAsync(rest),
    ["broker", .. var rest] => await BrokerBenchCommand.RunAsync(rest),
    ["pipeline", .. var rest] => await PipelineBenchCommand.RunAsync(rest),
    ["pipeline-worker", .. var rest] => await PipelineWorker.RunAsync(rest),
    ["fence", .. var rest] => await FenceBenchCommand.RunAsync(rest),
    ["provisioning", .. var rest] => await ProvisioningBenchCommand.RunAsync(rest),
    ["dedup", .. var rest] => await DedupBenchCommand.RunAsync(rest),
    ["feed", .. var rest] => await FeedBenchCommand.RunAsync(rest),
    ["scale", .. var rest] => await ScaleBenchCommand.RunAsync(rest),
    ["feed-clients", .. var rest] => await FeedBenchCommand.RunClientsAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: ContactCenter.Bench <verb> [options]
          Every verb but stores, micro and checkpoints takes --runs N: whole runs repeated, min / median / max printed, and
          the last stdout line is one JSON object with each figure's median, runs, loadAverage, calibration (the bare
          relay for pipeline, a fixed reference workload for the others) and spread ([min, median, max] per figure).
          stores [--quick] [--keys N] [--ops N] [--seconds S] [--commit-ms MS] [--checkpoint-ms MS] [--faster-headroom X]
                 [--stores rocksdb,memory,faster] [--dir PATH]
                 FASTER vs Streamiz RocksDB vs Streamiz in-memory through IKeyValueStore<Bytes, byte[]>;
                 last stdout line is a JSON object with the ratios.
          scale [--quick] [--pods-only] [--keep-logs DIR]
                 Redis Cluster / failover / reshard exactness, fenced writes/s on a cluster beside one redis-server, the
                 longest partition pause while pods go 1 -> 3 -> 6 -> 2, the aggregate restore at 1M agents; one JSON line.
          broker [--quick] [--runs N]
                 native embedded broker vs librdkafka's mock: end-to-end throughput (plain client settings, 6
                 partitions), produce-to-consume latency and idle CPU at fetch.wait.max.ms=500; last line JSON.
          pipeline [--quick] [--rates 1000,5000,10000] [--seconds S] [--drain-events N] [--join-threads N]
                 [--designs bare,engine,join-chain] [--idle-seconds S] [--alloc-profile]
                 [--runs N] [--drain-seconds S] [--bulk-agents N] [--warmup-seconds S]
                 this engine against the design it replaces (Streamiz KTable join chain, one group, synchronous
                 Redis writes) on the same embedded broker and Garnet: latency at fixed rates, max-rate drain,
                 bulk-provisioning burst, CPU/allocations/GC per event, idle CPU, final state checked;
                 last stdout line is a JSON object with the ratios.
          fence  [--quick] [--writes-per-call N] [--backend both|garnet|redis] [--no-part-versions] [--runs N]
                 fenced agent-state writes/s (FencedStateWriter) against plain pipelined HSET, and with a grouped count
                 kept by the same writes (countedRatio: with / without), embedded Garnet and
                 redis-server; last stdout line is a JSON object.
          feed [--quick] [--runs N]
                 the agent feed on the whole pipeline with real HTTP clients: push latency (Redis ack -> client
                 handler) with 100 clients at 2,000 events/s, and throughput with 1,000 clients vs none (ratio);
                 last stdout line is a JSON object.
          checkpoints [--keys N] [--every WRITES] [--checkpoints N]
                 FASTER checkpoint cost as the store ages, full snapshots vs incremental: duration and bytes written per
                 checkpoint (the ten-minute drift, compressed); last stdout line is a JSON object.
          micro  [BenchmarkDotNet args]
                 BenchmarkDotNet point Get/Put per store, and the merge step per record (MergeStepOps).
          provisioning [--quick] [--pause-ms MS] [--runs N]
                 10,000 agents (quick: 2,000) on-boarded through the queue stage and worker pool against a simulated
                 service (200 ms, 5 % failures); last stdout line {"agents","seconds","maxLagMs","duplicates","retries","dead"}.
          dedup  [--quick] [--runs N]
                 first-write-wins Redis dedup vs a Kafka-hop dedup stage (Kafka Streams default client settings and
                 the engine's); last stdout line {"redisDedupP99Ms","kafkaHopDedupP99Ms","ratio",...}.
          startup [--quick] [--agents N] [--log-factor K] [--broker native|mock] [--runs N]
                 state-stage pod start: snapshot-first with Redis intact, Redis empty from a snapshot file + tail,
                 Redis empty rebuilt from the topic, and a full replay; last stdout line is a JSON object.
        """);
    return 2;
}
