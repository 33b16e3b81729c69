"""Conformance scenarios run with kafka-python (Debian's python3-kafka; shares no code with librdkafka) against the
embedded broker. Usage: python3 conformance.py BOOTSTRAP SCENARIO. Prints one JSON object (what the scenario
observed) on stdout; the xunit test (IndependentClientTests) asserts on it. Any failure exits non-zero."""
import json
import random
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

bootstrap, scenario = sys.argv[1].split(","), sys.argv[2]


def unique(prefix):
    return "%s-%d-%d" % (prefix, int(time.time() * 1000), random.randint(0, 999999))


def admin():
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="cc-conformance-kafka-python", request_timeout_ms=20000)


def consume(topic, group, count):
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                             enable_auto_commit=False, session_timeout_ms=10000, fetch_max_wait_ms=200)
    received, deadline = [], time.time() + 30
    while len(received) < count:
        if time.time() > deadline:
            raise TimeoutError("consumed %d of %d before the deadline" % (len(received), count))
        for records in consumer.poll(timeout_ms=200).values():
            received.extend(records)
    consumer.commit()
    consumer.close()
    return received


def groups():
    """Keyed records (acks=all, gzip) to 3 partitions; a group consumes them all and commits."""
    topic, group = unique("kpy-groups"), unique("kpy-g")
    client = admin()
    client.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type="gzip")
    for i in range(30):
        producer.send(topic, key=b"k%d" % (i % 7), value=b"v%d" % i)
    producer.flush()
    producer.close()
    received = consume(topic, group, 30)
    committed = client.list_consumer_group_offsets(group)
    client.close()
    partitions_by_key = {}
    for r in received:
        partitions_by_key.setdefault(r.key.decode(), set()).add(r.partition)
    return {
        "values": sorted(r.value.decode() for r in received),
        "keysOnOnePartition": all(len(s) == 1 for s in partitions_by_key.values()),
        "committedTotal": sum(meta.offset for meta in committed.values()),
    }


def admin_apis():
    """Create with configs, describe, alter, grow partitions, list and delete an empty group."""
    topic, group = unique("kpy-admin"), unique("kpy-empty")
    client = admin()
    client.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1, topic_configs={"retention.ms": "3600000"})])
    describe = lambda: {e[0]: e[1] for e in client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])[0].resources[0][4]}
    before = describe()
    client.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"cleanup.policy": "compact"})])
    after = describe()
    client.create_partitions({topic: NewPartitions(total_count=4)})
    partitions = len(client.describe_topics([topic])[0]["partitions"])

    committer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    from kafka.structs import OffsetAndMetadata
    committer.commit({TopicPartition(topic, 0): OffsetAndMetadata(0, "")})
    committer.close()
    listed = sum(1 for g in client.list_consumer_groups() if g[0] == group)
    deleted = client.delete_consumer_groups([group])
    listed_after = sum(1 for g in client.list_consumer_groups() if g[0] == group)
    client.close()
    return {
        "retentionBefore": before["retention.ms"],
        "retentionAfter": after["retention.ms"],
        "cleanupAfter": after["cleanup.policy"],
        "partitions": partitions,
        "groupListedBeforeDelete": listed,
        "deleteErrors": [error.__name__ for _, error in deleted],
        "groupListedAfterDelete": listed_after,
    }


def times():
    """Ten records in one gzip batch a second apart: the offset for the 6th record's time is 5."""
    topic = unique("kpy-times")
    client = admin()
    client.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    client.close()
    start = int(time.time() * 1000) - 60000
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type="gzip", linger_ms=1000)
    for i in range(10):
        producer.send(topic, value=("r%d" % i).ljust(80, "x").encode(), timestamp_ms=start + i * 1000)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    tp = TopicPartition(topic, 0)
    at = lambda ts: consumer.offsets_for_times({tp: ts})[tp].offset
    result = {"at5000": at(start + 5000), "at4500": at(start + 4500), "beforeAll": at(start - 1)}
    consumer.close()
    return result


SCENARIOS = {"groups": groups, "admin": admin_apis, "times": times}

if __name__ == "__main__":
    if scenario not in SCENARIOS:
        print("unknown scenario %s; known: %s" % (scenario, ", ".join(SCENARIOS)), file=sys.stderr)
        sys.exit(2)
    print(json.dumps(SCENARIOS[scenario]()))
