using System.Diagnostics;
using System.Text.Json;
using ContactCenter.Broker;
using ContactCenter.Tests.Support;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// Transactions driven by kafkajs, a client that shares no code with librdkafka: a committed and an aborted
/// transaction, then a read_committed and a read_uncommitted consumer. kafkajs is installed in
/// tests/Broker/Clients/node by scripts/install-test-deps.sh (the independent-client suite's install step); the
/// scenario is kept here, written to a temporary file, so it needs nothing else of that suite.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class KafkajsTransactionTests : IDisposable
{
    private readonly KafkaBroker _broker = KafkaBroker.Start(3);
    private readonly string _script = Path.Combine(Directory.CreateTempSubdirectory("cc-kjs-txn-").FullName, "transactions.js");

    public void Dispose()
    {
        _broker.Dispose();
        try { Directory.Delete(Path.GetDirectoryName(_script)!, recursive: true); } catch (IOException) { }
    }

    // Prints {"committed":[...values...],"uncommitted":[...]}; exits non-zero with the error on stderr.
    private const string Scenario = """
        'use strict'
        const { Kafka, logLevel } = require('kafkajs')
        const [bootstrap, topic] = process.argv.slice(2)
        const kafka = new Kafka({ clientId: 'cc-kjs-txn', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8 } })

        async function readAll (readUncommitted) {
          const consumer = kafka.consumer({ groupId: `kjs-${readUncommitted}-${Date.now()}`, readUncommitted, maxWaitTimeInMs: 100 })
          await consumer.connect()
          await consumer.subscribe({ topic, fromBeginning: true })
          const values = []
          const ended = new Set()
          await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`read ${values.length} values, ${ended.size} end marks`)), 30000)
            consumer.run({
              eachMessage: async ({ partition, message }) => {
                const value = message.value.toString()
                if (value === 'end') ended.add(partition)
                else if (!ended.has(partition)) values.push(value)
                if (ended.size === 2) { clearTimeout(timer); resolve() }
              }
            }).catch(reject)
          })
          await consumer.disconnect()
          return values.sort()
        }

        async function main () {
          const admin = kafka.admin()
          await admin.connect()
          await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
          await admin.disconnect()

          const producer = kafka.producer({ transactionalId: `kjs-${topic}`, idempotent: true, maxInFlightRequests: 1 })
          await producer.connect()
          const committed = await producer.transaction()
          await committed.send({ topic, messages: [0, 1, 2, 3, 4].map(i => ({ key: `k${i}`, value: `committed-${i}` })) })
          await committed.commit()
          const aborted = await producer.transaction()
          await aborted.send({ topic, messages: [0, 1, 2, 3, 4].map(i => ({ key: `k${i}`, value: `aborted-${i}` })) })
          await aborted.abort()
          await producer.disconnect()

          // A plain end mark on each partition, after both transactions were decided.
          const plain = kafka.producer()
          await plain.connect()
          await plain.send({ topic, messages: [{ partition: 0, value: 'end' }, { partition: 1, value: 'end' }] })
          await plain.disconnect()

          process.stdout.write(JSON.stringify({ committed: await readAll(false), uncommitted: await readAll(true) }))
        }
        main().then(() => process.exit(0), error => { process.stderr.write(String(error && error.stack || error)); process.exit(1) })
        """;

    [Fact]
    public async Task A_kafkajs_read_committed_consumer_sees_the_committed_transaction_and_not_the_aborted_one()
    {
        File.WriteAllText(_script, Scenario);
        var modules = Path.Combine(Repo.File("tests/Broker/Clients/node"), "node_modules");
        var node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);
        Assert.True(node is not null, "node is not installed: run scripts/install-test-deps.sh (Debian package nodejs)");
        var info = new ProcessStartInfo(node!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(_script);
        info.ArgumentList.Add(_broker.BootstrapServers);
        info.ArgumentList.Add($"kjs-txn-{Guid.NewGuid():N}"[..20]);
        // The script lives outside the repository: node finds kafkajs through NODE_PATH (the suite's install first).
        var inherited = Environment.GetEnvironmentVariable("NODE_PATH");
        info.Environment["NODE_PATH"] = string.IsNullOrEmpty(inherited) ? modules : modules + ":" + inherited;

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try { await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90)); }
        finally { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        var error = await stderr;
        Assert.False(error.Contains("Cannot find module 'kafkajs'", StringComparison.Ordinal),
            $"kafkajs is not installed in {modules}: run scripts/install-test-deps.sh");
        Assert.True(process.ExitCode == 0, $"kafkajs scenario exited {process.ExitCode}: {error}");

        var result = JsonDocument.Parse(await stdout).RootElement;
        var committed = result.GetProperty("committed").EnumerateArray().Select(v => v.GetString()!).ToList();
        var uncommitted = result.GetProperty("uncommitted").EnumerateArray().Select(v => v.GetString()!).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"committed-{i}"), committed);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"aborted-{i}").Concat(committed).Order(StringComparer.Ordinal), uncommitted.Order(StringComparer.Ordinal));
    }
}
