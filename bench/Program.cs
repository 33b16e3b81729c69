using ContactCenter.Bench.Startup;
using ContactCenter.Bench.Broker;
using ContactCenter.Bench.Feed;
using ContactCenter.Bench.Stores;

// ContactCenter.Bench: one verb per benchmark. Keep this file a dispatcher only.
return args switch
{
    ["stores", .. var rest] => StoreBenchCommand.Run(rest),
    ["micro", .. var rest] => MicroCommand.Run(rest),
    ["startup", .. var rest] => await StartupBenchmark.RunAsync(rest),
    ["broker", .. var rest] => BrokerBenchCommand.Run(rest),
    ["feed", .. var rest] => await FeedBenchCommand.RunAsync(rest),
    ["feed-clients", .. var rest] => await FeedBenchCommand.RunClientsAsync(rest),
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
          feed [--quick]
                 the agent feed on the whole pipeline with real HTTP clients: push latency (Redis ack -> client
                 handler) with 100 clients at 2,000 events/s, and throughput with 1,000 clients vs none (ratio);
                 last stdout line is a JSON object.
          micro  [BenchmarkDotNet args]
                 BenchmarkDotNet point Get/Put per store.
          startup [--quick] [--agents N] [--log-factor K] [--broker native|mock]
                 state-stage pod start: snapshot-first with Redis intact, Redis empty from a snapshot file + tail,
                 Redis empty rebuilt from the topic, and a full replay; last stdout line is a JSON object.
        """);
    return 2;
}
