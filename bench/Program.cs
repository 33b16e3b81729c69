using ContactCenter.Bench.Startup;
using ContactCenter.Bench.Broker;
using ContactCenter.Bench.SideEffects;
using ContactCenter.Bench.Stores;

// ContactCenter.Bench: one verb per benchmark. Keep this file a dispatcher only.
return args switch
{
    ["stores", .. var rest] => StoreBenchCommand.Run(rest),
    ["micro", .. var rest] => MicroCommand.Run(rest),
    ["startup", .. var rest] => await StartupBenchmark.RunAsync(rest),
    ["broker", .. var rest] => BrokerBenchCommand.Run(rest),
    ["provisioning", .. var rest] => await ProvisioningBenchCommand.RunAsync(rest),
    ["dedup", .. var rest] => await DedupBenchCommand.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: ContactCenter.Bench <verb> [options]
          stores [--quick] [--keys N] [--ops N] [--seconds S] [--commit-ms MS] [--faster-headroom X]
                 [--stores rocksdb,memory,faster] [--dir PATH]
                 FASTER vs Streamiz RocksDB vs Streamiz in-memory through IKeyValueStore<Bytes, byte[]>;
                 last stdout line is a JSON object with the ratios.
          broker [--quick]
                 native embedded broker vs librdkafka's mock with the engine's client settings: end-to-end
                 throughput, produce-to-consume latency, idle CPU; last stdout line is a JSON object.
          micro  [BenchmarkDotNet args]
                 BenchmarkDotNet point Get/Put per store.
          provisioning [--quick]
                 10,000 agents (quick: 2,000) on-boarded through the queue stage and worker pool against a simulated
                 service (200 ms, 5 % failures); last stdout line {"agents","seconds","maxLagMs","duplicates","retries","dead"}.
          dedup  [--quick]
                 first-write-wins Redis dedup vs a Kafka-hop dedup stage (Kafka Streams default client settings and
                 the engine's); last stdout line {"redisDedupP99Ms","kafkaHopDedupP99Ms","ratio",...}.
          startup [--quick] [--agents N] [--log-factor K] [--broker native|mock]
                 state-stage pod start: snapshot-first with Redis intact, Redis empty from a snapshot file + tail,
                 Redis empty rebuilt from the topic, and a full replay; last stdout line is a JSON object.
        """);
    return 2;
}
