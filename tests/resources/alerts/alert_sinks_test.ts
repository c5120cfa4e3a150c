// Alert sinks against real receivers: a webhook server on loopback, and the test Kafka broker's
// `<prefix>sluice.alerts` topic, each getting the alert with its key.
import assert from "node:assert/strict";
import { kafkaAlertSink } from "../../../resources/alerts/kafka_alert_sink.ts";
import { webhookAlertSink } from "../../../resources/alerts/webhook_alert_sink.ts";
import { openKafka } from "../../../resources/kafka/kafka_client.ts";
import type { PendingAlert } from "../../../runtime/store/metadata_store.ts";
import { needsKafka, requireTestVariable } from "../../support/services.ts";

const ALERT: PendingAlert = {
  key: "run-failed:20261102-120000-abcd1234",
  sensor: "run_failures",
  message: "Run 20261102-120000-abcd1234 failed (request 7 gold.x, partition 2026-11-01): boom",
  payload: { run_id: "20261102-120000-abcd1234", status: "failed" },
  createdAt: new Date("2026-11-02T12:00:01Z"),
  attempts: 1,
};

Deno.test("the webhook sink POSTs the alert as JSON with its key as the idempotency key", async () => {
  const received: { headers: Headers; body: unknown }[] = [];
  let status = 200;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    received.push({ headers: req.headers, body: await req.json() });
    return new Response("", { status });
  });
  try {
    const sink = webhookAlertSink(`http://127.0.0.1:${server.addr.port}/hooks/sluice`);
    await sink.deliver(ALERT);
    assert.equal(received.length, 1);
    assert.equal(received[0].headers.get("idempotency-key"), ALERT.key);
    assert.equal(received[0].headers.get("content-type"), "application/json");
    assert.deepEqual(received[0].body, {
      key: ALERT.key,
      sensor: "run_failures",
      text: ALERT.message,
      created_at: "2026-11-02T12:00:01.000Z",
      payload: ALERT.payload,
    });
    status = 503;
    await assert.rejects(
      () => sink.deliver(ALERT),
      new Error(`webhook at 127.0.0.1:${server.addr.port} answered 503 Service Unavailable`),
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test({
  name: "the Kafka sink creates <prefix>sluice.alerts and produces the alert keyed by its key",
  ...needsKafka(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS").split(",");
    const prefix = `test-${crypto.randomUUID().slice(0, 8)}.`;
    const config = { brokers, clientId: "sluice-test", topicPrefix: prefix, retentionHours: 1 };
    const kafka = openKafka(config);
    const sink = kafkaAlertSink(kafka, config);
    const admin = kafka.admin();
    const consumer = kafka.consumer({ groupId: `${prefix}reader` });
    try {
      assert.equal(sink.topic, `${prefix}sluice.alerts`);
      await sink.deliver(ALERT);
      await sink.deliver({ ...ALERT, key: "run-failed:second", attempts: 2 });
      await consumer.connect();
      await consumer.subscribe({ topic: sink.topic, fromBeginning: true });
      const messages: { key: string; value: Record<string, unknown> }[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no alert read in 30 s")), 30_000);
        consumer.run({
          eachMessage: ({ message }) => {
            messages.push({
              key: message.key!.toString(),
              value: JSON.parse(message.value!.toString()),
            });
            if (messages.length === 2) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        }).catch(reject);
      });
      assert.deepEqual(messages.map((m) => m.key), [ALERT.key, "run-failed:second"]);
      assert.deepEqual(messages[0].value, {
        key: ALERT.key,
        sensor: "run_failures",
        message: ALERT.message,
        created_at: "2026-11-02T12:00:01.000Z",
        payload: ALERT.payload,
      });
    } finally {
      await consumer.disconnect().catch(() => {});
      await sink.close();
      await admin.connect();
      await admin.deleteTopics({ topics: [sink.topic] }).catch(() => {});
      await admin.disconnect();
    }
  },
});
