// The event topics on a real broker: created once with 6 partitions and the retention asked for.
import assert from "node:assert/strict";
import { TOPICS } from "../../../contracts/events/mod.ts";
import { openKafka } from "../../../resources/kafka/kafka_client.ts";
import {
  ALERTS_TOPIC,
  ensureTopics,
  TOPIC_PARTITIONS,
  topicName,
} from "../../../resources/kafka/topics.ts";
import { needsKafka, requireTestVariable } from "../../support/services.ts";

Deno.test({
  name: "ensureTopics creates the six event topics and fraud.alerts with 6 partitions, once",
  ...needsKafka(),
  fn: async () => {
    const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS").split(",");
    const kafka = openKafka({
      brokers,
      clientId: "sluice-test",
      topicPrefix: "",
      retentionHours: 1,
    });
    const admin = kafka.admin();
    await admin.connect();
    const prefix = `test-${crypto.randomUUID().slice(0, 8)}.`;
    const names = ([...TOPICS, ALERTS_TOPIC] as const).map((topic) => topicName(prefix, topic));
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
