// The event topics on a real broker: created once with 6 partitions and the retention asked for,
// counted from each record's arrival.
import assert from "node:assert/strict";
import type { KafkaMessage } from "kafkajs";
import { TOPICS } from "../../../contracts/events/mod.ts";
import { EVENT_TIME_HEADER, produceEvents } from "../../../resources/kafka/event_producer.ts";
import { TransactionalSender } from "../../../resources/kafka/transactional_sender.ts";
import { openKafka } from "../../../resources/kafka/kafka_client.ts";
import {
  ALERTS_TOPIC,
  ensureTopics,
  TOPIC_PARTITIONS,
  topicName,
} from "../../../resources/kafka/topics.ts";
import { needsKafka, requireTestVariable } from "../../support/services.ts";

/** A client of the test broker and a fresh prefix for Sluice's topic names. */
function testTopics() {
  const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS").split(",");
  const kafka = openKafka({ brokers, clientId: "sluice-test", topicPrefix: "", retentionHours: 1 });
  const prefix = `test-${crypto.randomUUID().slice(0, 8)}.`;
  const names = ([...TOPICS, ALERTS_TOPIC] as const).map((topic) => topicName(prefix, topic));
  return { kafka, prefix, names };
}

Deno.test({
  name: "ensureTopics creates the six event topics and fraud.alerts with 6 partitions, once",
  ...needsKafka(),
  fn: async () => {
    const { kafka, prefix, names } = testTopics();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await ensureTopics(admin, { retentionHours: 36 }, prefix);
      assert.deepEqual(created.sort(), [...names].sort());
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      for (const topic of topics) assert.equal(topic.partitions.length, TOPIC_PARTITIONS);
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: names[0], configNames: ["retention.ms"] }],
      });
      assert.equal(described.resources[0].configEntries[0].configValue, String(36 * 3_600_000));
      assert.deepEqual(await ensureTopics(admin, { retentionHours: 36 }, prefix), []);
    } finally {
      await admin.deleteTopics({ topics: names }).catch(() => {});
      await admin.disconnect();
    }
  },
});

Deno.test({
  name: "retention counts from arrival: last month's events are kept, their event time in a header",
  ...needsKafka(),
  fn: async () => {
    const { kafka, prefix, names } = testTopics();
    const admin = kafka.admin();
    const sender = new TransactionalSender(kafka, "sluice-test");
    await Promise.all([admin.connect(), sender.connect()]);
    try {
      await ensureTopics(admin, { retentionHours: 1 }, prefix);
      const at = Date.parse("2026-10-01T12:00:00Z");
      const records = Array.from({ length: 60 }, (_, i) => ({
        topic: "orders" as const,
        key: `u${i}`,
        partition: i % TOPIC_PARTITIONS,
        line: `{"n":${i}}`,
        eventDate: "2026-10-01",
        at,
      }));
      const sentFrom = Date.now();
      await produceEvents(sender, records, { batchSize: 20, topicPrefix: prefix });
      // Another producer stamps its records with the event time itself.
      await sender.send({
        topicMessages: [{
          topic: topicName(prefix, "orders"),
          messages: [{ key: "u0", value: "{}", partition: 0, timestamp: String(at) }],
        }],
      });
      const sentTo = Date.now();
      // The test broker checks retention every second; the records are kept and their
      // timestamps are the append time, which is what a one-hour retention counts from.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const offsets = await admin.fetchTopicOffsets(topicName(prefix, "orders"));
      assert.deepEqual(offsets.map((p) => p.low), offsets.map(() => "0"));
      const consumer = kafka.consumer({ groupId: `test-${crypto.randomUUID()}` });
      await consumer.connect();
      await consumer.subscribe({ topics: [topicName(prefix, "orders")], fromBeginning: true });
      const seen: KafkaMessage[] = [];
      await new Promise<void>((resolve) => {
        consumer.run({
          eachMessage: ({ message }) => {
            seen.push(message);
            if (seen.length === 61) resolve();
            return Promise.resolve();
          },
        });
      });
      await consumer.disconnect();
      for (const message of seen.filter((m) => m.headers?.[EVENT_TIME_HEADER] !== undefined)) {
        assert.equal(String(message.headers?.[EVENT_TIME_HEADER]), String(at));
      }
      // The timestamp is the broker's append time: while this test sent (same host, same clock;
      // a millisecond either side for rounding).
      for (const message of seen) {
        const stamp = Number(message.timestamp);
        assert.ok(stamp >= sentFrom - 1 && stamp <= sentTo + 1, `${stamp} not in the send`);
      }
      assert.equal(seen.filter((m) => m.headers?.[EVENT_TIME_HEADER] !== undefined).length, 60);
    } finally {
      await sender.close();
      await admin.deleteTopics({ topics: names }).catch(() => {});
      await admin.disconnect();
    }
  },
});
