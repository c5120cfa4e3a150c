// isCommitted against a real broker: how the generator learns the fate of a transaction whose
// commit Kafka never confirmed.
import assert from "node:assert/strict";
import { isCommitted } from "../../../resources/kafka/committed_check.ts";
import { openKafka } from "../../../resources/kafka/kafka_client.ts";
import { createTopics } from "../../../resources/kafka/topics.ts";
import { needsKafka, requireTestVariable } from "../../support/services.ts";

Deno.test({
  name: "isCommitted tells a committed transaction's record from an aborted one's",
  ...needsKafka(),
  fn: async () => {
    const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS").split(",");
    const kafka = openKafka({
      brokers,
      clientId: "sluice-test",
      topicPrefix: "",
      retentionHours: 1,
    });
    const topic = `test-commit-check-${crypto.randomUUID().slice(0, 8)}`;
    const admin = kafka.admin();
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: `test-${crypto.randomUUID()}`,
    });
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      await createTopics(admin, [{ topic, numPartitions: 2 }]);
      const send = async (commit: boolean) => {
        const transaction = await producer.transaction();
        const [sent] = await transaction.send({
          topic,
          messages: [{ value: "a", partition: 1 }, { value: "b", partition: 1 }],
        });
        await (commit ? transaction.commit() : transaction.abort());
        return { topic, partition: 1, offset: BigInt(sent.baseOffset!) };
      };
      const committed = await send(true);
      const aborted = await send(false);
      // Records after the aborted ones: the check must not mistake them for the aborted batch.
      const later = await send(true);
      // And an aborted batch with nothing after it: a fetch of aborted records and a marker only.
      const lastAborted = await send(false);
      assert.equal(await isCommitted(kafka, committed), true);
      assert.equal(await isCommitted(kafka, aborted), false);
      assert.equal(await isCommitted(kafka, later), true);
      assert.equal(await isCommitted(kafka, lastAborted), false);
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  },
});
