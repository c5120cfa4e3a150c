// outbound.fraud_alerts sends each alert exactly once across kill -9 at the two points where
// Kafka and Postgres disagree: after Kafka acknowledged the records but before their
// transaction committed, and after it committed but before the metadata commit recorded them.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { BATCH_HEADER } from "../../assets/alerts.ts";
import { openKafka } from "../../resources/kafka/kafka_client.ts";
import { ensureTopics } from "../../resources/kafka/topics.ts";
import { committedRecords } from "../support/committed_records.ts";
import {
  needsKafka,
  needsPostgres,
  requireTestVariable,
  withFreshDatabase,
} from "../support/services.ts";

const APP = fileURLToPath(new URL("./fixtures/alerts_crash_app.ts", import.meta.url));
const ALERTS = 40;
const services = { ignore: needsKafka().ignore || needsPostgres().ignore };

function app(env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", APP],
    env: { ...env, ALERTS: String(ALERTS) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits for the crash point's marker; fails with the child's output if it ended first. */
async function waitForFile(path: string, child: Deno.ChildProcess): Promise<void> {
  let ended = false;
  const status = child.status.then(() => ended = true);
  for (let i = 0; i < 1_200 && !ended; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  if (!ended) child.kill("SIGKILL");
  await status;
  const [stdout, stderr] = await Promise.all(
    [child.stdout, child.stderr].map((stream) => new Response(stream).text()),
  );
  throw new Error(`never reached the crash point:\n${stdout}\n${stderr}`);
}

/** The records on the alerts topic a read_committed consumer sees: order id and batch. */
async function committedAlerts(brokers: string, topic: string) {
  return (await committedRecords(brokers, topic, ALERTS)).map((record) => ({
    orderId: JSON.parse(record.value).order_id as string,
    batch: String(record.headers[BATCH_HEADER]),
  }));
}

async function ledger(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [{ sent }] = await sql<{ sent: number }[]>`
      select count(*)::int as sent from outbound.alerts_sent`;
    const batches = await sql<{ state: string; n: number }[]>`
      select state, cardinality(alert_ids)::int as n from outbound.alert_batches
      order by created_at`;
    return { sent, batches: batches.map((b) => `${b.state}:${b.n}`) };
  } finally {
    await sql.end();
  }
}

type Ledger = Awaited<ReturnType<typeof ledger>>;
type RunResult = { status: string; metadata: Record<string, unknown> };

/** Kills the run at `crashAt`, reruns it, checks the topic, then hands over the rest. */
async function crashThenRerun(
  crashAt: "kafka-ack" | "commit",
  check: (result: RunResult, ledger: Ledger) => void,
) {
  await withFreshDatabase(async (url) => {
    const dir = await Deno.makeTempDir({ prefix: "sluice-alerts-" });
    const prefix = `t${crypto.randomUUID().slice(0, 8)}.`;
    const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS");
    const env = {
      STORE_URL: url,
      LAKE_DIR: dir,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      SLUICE_LOG_LEVEL: "warn",
    };
    try {
      // generate and ingest create the topics; this test does neither.
      const admin = openKafka({
        brokers: [brokers],
        clientId: "test",
        topicPrefix: prefix,
        retentionHours: 1,
      }).admin();
      await admin.connect();
      await ensureTopics(admin, { retentionHours: 1 }, prefix).finally(() => admin.disconnect());
      const marker = `${dir}/crashed`;
      const crashing = app({ ...env, CRASH_AT: crashAt, CRASH_MARKER: marker });
      await waitForFile(marker, crashing);
      crashing.kill("SIGKILL");
      await crashing.output();
      assert.deepEqual(await ledger(url), { sent: 0, batches: [`pending:${ALERTS}`] });

      const rerun = await app(env).output();
      const text = new TextDecoder();
      assert.equal(rerun.code, 0, text.decode(rerun.stderr));
      const result = JSON.parse(text.decode(rerun.stdout));
      assert.equal(result.status, "succeeded", text.decode(rerun.stderr));

      const onTopic = await committedAlerts(brokers, `${prefix}fraud.alerts`);
      assert.equal(onTopic.length, ALERTS, "each alert once on the topic");
      assert.equal(new Set(onTopic.map((a) => a.orderId)).size, ALERTS);
      assert.equal(new Set(onTopic.map((a) => a.batch)).size, 1, "one send's records only");
      check(result, await ledger(url));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test({
  name: "kill -9 after Kafka committed the alerts, before the metadata commit: none sent twice",
  ...services,
  fn: async () => {
    await crashThenRerun("commit", (result, ledger) => {
      assert.deepEqual(result.metadata, {
        topic: result.metadata.topic,
        sent: 0,
        already_sent: ALERTS,
        settled_committed: 1,
        settled_aborted: 0,
      });
      assert.deepEqual(ledger, { sent: ALERTS, batches: [`sent:${ALERTS}`] });
    });
  },
});

Deno.test({
  name:
    "kill -9 after Kafka acknowledged the alerts, before their transaction committed: each sent once",
  ...services,
  fn: async () => {
    await crashThenRerun("kafka-ack", (result, ledger) => {
      assert.deepEqual(result.metadata, {
        topic: result.metadata.topic,
        sent: ALERTS,
        already_sent: 0,
        settled_committed: 0,
        settled_aborted: 1,
      });
      assert.deepEqual(ledger, { sent: ALERTS, batches: [`aborted:${ALERTS}`, `sent:${ALERTS}`] });
    });
  },
});
