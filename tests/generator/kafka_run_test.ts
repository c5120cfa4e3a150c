// `deno task generate --kafka` against a real broker: every event arrives, in its user's
// partition, in the order generated; an unreachable broker is one clear line.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { TOPICS } from "../../contracts/events/mod.ts";
import { streamEvents } from "../../generator/event_stream.ts";
import { partitionFor } from "../../generator/partitioner.ts";
import { openKafka } from "../../resources/kafka/kafka_client.ts";
import { topicName } from "../../resources/kafka/topics.ts";
import { needsKafka, requireTestVariable } from "../support/services.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EVENTS = 3_000;
const START = "2026-11-01";

async function generate(env: Record<string, string>, extra: string[] = []) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "sluice.ts",
      "generate",
      "--kafka",
      "--events",
      String(EVENTS),
      "--seed",
      "11",
      "--start",
      START,
      "--batch-size",
      "500",
      ...extra,
    ],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** Every record of the six topics, as `topic/partition` → values in offset order. */
async function consumeAll(brokers: string[], prefix: string, expected: number) {
  const kafka = openKafka({
    brokers,
    clientId: "sluice-test",
    topicPrefix: prefix,
    retentionHours: 1,
  });
  const consumer = kafka.consumer({ groupId: `test-${crypto.randomUUID()}` });
  const seen = new Map<string, { key: string; value: string }[]>();
  let count = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({
      topics: TOPICS.map((topic) => topicName(prefix, topic)),
      fromBeginning: true,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumed ${count} of ${expected} events in 60 s`)),
        60_000,
      );
      consumer.run({
        eachMessage: ({ topic, partition, message }) => {
          const key = `${topic.slice(prefix.length)}/${partition}`;
          const list = seen.get(key) ?? [];
          list.push({ key: message.key!.toString(), value: message.value!.toString() });
          seen.set(key, list);
          if (++count >= expected) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { seen, count };
}

Deno.test({
  name: "generate --kafka produces every event keyed by user, in its partition, in generated order",
  ...needsKafka(),
  fn: async () => {
    const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS");
    const prefix = `test-${crypto.randomUUID().slice(0, 8)}.`;
    const result = await generate({ KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Produced 3,000 events in \d+ batches/);

    const expected = new Map<string, { key: string; value: string }[]>();
    for (
      const record of streamEvents({
        seed: 11,
        events: EVENTS,
        start: Date.parse(`${START}T00:00:00Z`),
        end: Date.parse(`${START}T00:00:00Z`) + 86_400_000,
        fraudRate: 0.03,
        malformedRate: 0.001,
      })
    ) {
      assert.equal(record.partition, partitionFor(record.key, 6));
      const list = expected.get(`${record.topic}/${record.partition}`) ?? [];
      list.push({ key: record.key, value: record.line });
      expected.set(`${record.topic}/${record.partition}`, list);
    }
    // Topics of our own (a fresh prefix): every partition holds exactly the generated sequence.
    const { seen, count } = await consumeAll(brokers.split(","), prefix, EVENTS);
    assert.equal(count, EVENTS);
    assert.deepEqual(
      Object.fromEntries([...seen].sort()),
      Object.fromEntries([...expected].sort()),
    );
  },
});

Deno.test("generate --kafka against no broker fails with one line naming KAFKA_BROKERS", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const result = await generate({ KAFKA_BROKERS: `127.0.0.1:${port}` });
  assert.equal(result.code, 1);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /Kafka broker unreachable at 127\.0\.0\.1:\d+ .*check KAFKA_BROKERS/);
});

Deno.test("generate --kafka without KAFKA_BROKERS says what to set (exit 2)", async () => {
  const result = await generate({ KAFKA_BROKERS: "" });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /KAFKA_BROKERS is not set/);
});
