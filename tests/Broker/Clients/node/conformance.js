// Conformance scenarios run with kafkajs (a client that shares no code with librdkafka) against the embedded broker.
// Usage: node conformance.js BOOTSTRAP SCENARIO. Prints one JSON object (what the scenario observed) on stdout;
// the xunit test (IndependentClientTests) asserts on it. Any failure exits non-zero with the error on stderr.
'use strict'
const { Kafka, CompressionTypes, logLevel } = require('kafkajs')

const [bootstrap, scenario] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'cc-conformance-kafkajs', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8 } })
const unique = prefix => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`

async function withAdmin (work) {
  const admin = kafka.admin()
  await admin.connect()
  try { return await work(admin) } finally { await admin.disconnect() }
}

async function consume (topic, groupId, count) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, rebalanceTimeout: 10000, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const received = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${received.length} of ${count} before the deadline`)), 30000)
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({ partition, offset: Number(message.offset), key: message.key.toString(), value: message.value.toString() })
        if (received.length >= count) { clearTimeout(timer); resolve() }
      }
    }).catch(reject)
  })
  await consumer.disconnect() // commits what was consumed and leaves the group
  return received
}

const scenarios = {
  // Produce keyed records (acks=all, gzip) to 3 partitions; a group consumes them all, commits, and a second run of the
  // same group finds nothing left (its committed offsets are the ends).
  async groups () {
    const topic = unique('kjs-groups')
    await withAdmin(admin => admin.createTopics({ topics: [{ topic, numPartitions: 3 }] }))
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}` }))
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages })
    await producer.disconnect()
    const groupId = unique('kjs-g')
    const received = await consume(topic, groupId, 30)
    const committed = await withAdmin(admin => admin.fetchOffsets({ groupId, topics: [topic] }))
    const partitionsByKey = {}
    for (const r of received) (partitionsByKey[r.key] ??= new Set()).add(r.partition)
    return {
      values: received.map(r => r.value).sort(),
      keysOnOnePartition: Object.values(partitionsByKey).every(s => s.size === 1),
      committedTotal: committed[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0)
    }
  },

  // Topic admin: create with configs, describe them, alter, grow the partitions, delete records, list and delete groups.
  async admin () {
    const topic = unique('kjs-admin')
    return withAdmin(async admin => {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })
      const before = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }], includeSynonyms: false })
      await admin.alterConfigs({ resources: [{ type: 2, name: topic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })
      const after = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: false })
      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] })
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] })

      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, key: `k${i}`, value: `v${i}` })) })
      await producer.disconnect()
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '6' }] })
      const offsets = await admin.fetchTopicOffsets(topic)

      const groupId = unique('kjs-empty')
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '8' }] })
      const listed = (await admin.listGroups()).groups.filter(g => g.groupId === groupId).length
      await admin.deleteGroups([groupId])
      const listedAfter = (await admin.listGroups()).groups.filter(g => g.groupId === groupId).length
      const config = (res, name) => res.resources[0].configEntries.find(e => e.configName === name)?.configValue
      return {
        retentionBefore: config(before, 'retention.ms'),
        retentionAfter: config(after, 'retention.ms'),
        cleanupAfter: config(after, 'cleanup.policy'),
        partitions: metadata.topics[0].partitions.length,
        partition0: offsets.filter(o => o.partition === 0).map(o => ({ low: o.low, high: o.high }))[0],
        groupListedBeforeDelete: listed,
        groupListedAfterDelete: listedAfter
      }
    })
  },

  // Offsets by time: ten records in one gzip batch, a second apart; the offset for the 6th record's time is 5.
  async times () {
    const topic = unique('kjs-times')
    await withAdmin(admin => admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }))
    const start = Date.now() - 60000
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}`.padEnd(80, 'x'), timestamp: String(start + i * 1000) })) })
    await producer.disconnect()
    return withAdmin(async admin => ({
      at5000: (await admin.fetchTopicOffsetsByTimestamp(topic, start + 5000))[0].offset,
      at4500: (await admin.fetchTopicOffsetsByTimestamp(topic, start + 4500))[0].offset,
      beforeAll: (await admin.fetchTopicOffsetsByTimestamp(topic, start - 1))[0].offset
    }))
  }
}

const run = scenarios[scenario]
if (!run) { console.error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(', ')}`); process.exit(2) }
run().then(result => { console.log(JSON.stringify(result)); process.exit(0) })
  .catch(error => { console.error(error && error.stack || String(error)); process.exit(1) })
