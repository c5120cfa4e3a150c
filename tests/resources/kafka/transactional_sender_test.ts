// TransactionalSender against a broker of its own that is killed (SIGKILL) mid-production: it
// rides out an outage of about a minute, each batch read exactly once, and gives up with the
// one-line message once a failing batch has used its budget.
import assert from "node:assert/strict";
import type { Kafka } from "kafkajs";
import {
  explainKafkaError,
  KafkaOutageError,
  openKafka,
} from "../../../resources/kafka/kafka_client.ts";
import { createTopics } from "../../../resources/kafka/topics.ts";
import { TransactionalSender } from "../../../resources/kafka/transactional_sender.ts";
import { startKafka } from "../../support/kafka_server.ts";
import { needsKafka } from "../../support/services.ts";

const TOPIC = "sender-outage";
const BATCHES = 40;
const PER_BATCH = 50;

function batch(n: number) {
  return {
    topicMessages: [{
      topic: TOPIC,
      messages: Array.from({ length: PER_BATCH }, (_, i) => ({
        value: `${n}:${i}`,
        partition: i % 3,
      })),
    }],
    acks: -1,
  };
}

/** Every committed value of the topic, read with read_committed isolation. */
async function committedValues(kafka: Kafka, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `test-${crypto.randomUUID()}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => resolve(), 60_000);
      consumer.run({
        eachMessage: ({ message }) => {
          values.push(message.value!.toString());
          if (values.length >= expected) {
            // Linger a little: a duplicate would arrive right behind.
            clearTimeout(timer);
            setTimeout(resolve, 2_000);
          }
          return Promise.resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

Deno.test({
  name: "TransactionalSender rides out a broker SIGKILL, then gives up after its budget",
  // Its own broker: killing the shared one would disturb other tests.
  ...needsKafka(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const broker = await startKafka();
    const kafka = openKafka({
      brokers: [broker.brokers],
      clientId: "sluice-test",
      topicPrefix: "",
      retentionHours: 1,
    });
    try {
      const admin = kafka.admin();
      await admin.connect();
      await createTopics(admin, [{ topic: TOPIC, numPartitions: 3 }]);
      await admin.disconnect();

      await t.step(
        "a broker down for about a minute: every batch arrives exactly once",
        async () => {
          const sender = new TransactionalSender(kafka, "test-sender");
          await sender.connect();
          let sent = 0;
          const sending = (async () => {
            for (let n = 0; n < BATCHES; n++) {
              await sender.send(batch(n));
              sent++;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          })();
          while (sent < 10) await new Promise((resolve) => setTimeout(resolve, 20));
          const killedAt = performance.now();
          await broker.kill();
          // Down 35 s, then the JVM's start-up and the coordinator's load: about a minute in all
          // on this 2-core machine.
          await new Promise((resolve) => setTimeout(resolve, 35_000));
          await broker.start();
          const downMs = performance.now() - killedAt;
          await sending;
          await sender.close();
          assert.ok(sender.recovered.resent > 0, "no batch failed: the kill missed production");
          const values = await committedValues(kafka, BATCHES * PER_BATCH);
          assert.equal(values.length, BATCHES * PER_BATCH, `broker down ${Math.round(downMs)} ms`);
          assert.equal(new Set(values).size, BATCHES * PER_BATCH, "a batch was read twice");
        },
      );

      await t.step("a broker that stays down: the one-line message after the budget", async () => {
        const sender = new TransactionalSender(kafka, "test-sender", { outageBudgetMs: 5_000 });
        await sender.connect();
        await sender.send(batch(BATCHES));
        await broker.kill();
        const began = performance.now();
        const error = await sender.send(batch(BATCHES + 1)).then(
          () => assert.fail("sent to a dead broker"),
          (error) => error,
        );
        const tookMs = performance.now() - began;
        await sender.close();
        assert.ok(error instanceof KafkaOutageError, String(error));
        assert.ok(error.outageMs >= 5_000 && tookMs < 40_000, `gave up after ${tookMs} ms`);
        const line = explainKafkaError(error, [broker.brokers]).message;
        assert.equal(line.split("\n").length, 1);
        assert.match(
          line,
          new RegExp(
            `^Kafka broker unreachable at ${broker.brokers} for \\d+ s \\(.+\\): check KAFKA_BROKERS and that the broker is running$`,
          ),
        );
      });
    } finally {
      await broker.stop();
    }
  },
});
