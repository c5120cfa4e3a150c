// The Kafka path's quarantine, record by record: each kind of bad payload produced to a topic
// lands in bronze.rejected_events with its offset, its kind and the reason that names the field
// and what was wrong (not only a count), and the good record beside them does not.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import postgres from "postgres";
import { CURRENCIES } from "../../../contracts/events/common.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { openKafka } from "../../../resources/kafka/kafka_client.ts";
import { ensureTopics } from "../../../resources/kafka/topics.ts";
import { EVENT_TIME_HEADER } from "../../../resources/kafka/event_producer.ts";
import { BRONZE_FILE } from "../../../ingest/landing/day_ingest.ts";
import { locationParts } from "../../../runtime/definitions/part_set.ts";
import { finish, runScript, scriptCommand } from "../../support/deno_script.ts";
import {
  needsKafka,
  needsPostgres,
  requireTestVariable,
  withFreshDatabase,
} from "../../support/services.ts";

const ORDER = {
  event_id: "evt_quarantine00001",
  event_time: "2026-11-01T10:00:00.000Z",
  order_id: "ord_quarantine00001",
  user_id: "usr_quarantine01",
  session_id: "ses_quarantine00001",
  device_id: "dev_quarantine00001",
  ip_address: "209.174.8.245",
  amount: 48.56,
  currency: "AUD",
  payment_method: "buy_now_pay_later",
  billing_country: "AU",
  shipping_country: "AU",
  merchant_category: "electronics",
  channel: "web",
  item_count: 1,
  items: [{ sku: "SKU-91471", quantity: 1, unit_price: 48.56 }],
  is_fraud: false,
  fraud_pattern: null,
};
const { user_id: _dropped, ...withoutUser } = ORDER;
const BROKEN = '{"event_time":"2026-11-01T10:00:00.000Z","order_id":"ord_broken"';
const parseError = (() => {
  try {
    JSON.parse(BROKEN);
  } catch (error) {
    return (error as Error).message;
  }
})();

/** Each payload in offset order, with the quarantine row it must become (none if valid). */
const CASES: { value: string | null; kind?: string; reason?: string }[] = [
  { value: BROKEN, kind: "broken_json", reason: `Broken JSON in orders event: ${parseError}` },
  {
    value: JSON.stringify(withoutUser),
    kind: "missing_field",
    reason: "Missing required field 'user_id' in orders event",
  },
  {
    value: JSON.stringify({ ...ORDER, amount: "12.50" }),
    kind: "wrong_type",
    reason: `Wrong type for field 'amount' in orders event: expected number, got string "12.50"`,
  },
  {
    value: JSON.stringify({ ...ORDER, amount: -5 }),
    kind: "negative_amount",
    reason: "Negative amount in field 'amount' of orders event: -5; amounts are never below 0",
  },
  {
    value: JSON.stringify({ ...ORDER, currency: "XXX" }),
    kind: "unknown_currency",
    reason: `Unknown currency "XXX" in field 'currency' of orders event: the shop supports ${
      CURRENCIES.join(", ")
    }`,
  },
  {
    value: JSON.stringify({ ...ORDER, channel: "fax" }),
    kind: "invalid_value",
    reason: `Invalid value "fax" for field 'channel' in orders event: Invalid option: ` +
      `expected one of "web"|"ios_app"|"android_app"`,
  },
  { value: null, kind: "empty", reason: "record has no value (tombstone)" },
  {
    // Valid JSON, but a line break would split the row in bronze's line-based staging.
    value: JSON.stringify(ORDER, null, 1),
    kind: "unparseable",
    reason: "payload holds a control separator or newline",
  },
  { value: JSON.stringify(ORDER) },
];

Deno.test({
  name: "each kind of bad payload on Kafka lands in bronze.rejected_events with its own reason",
  ignore: needsKafka().ignore || needsPostgres().ignore,
  fn: () =>
    withFreshDatabase(async (databaseUrl) => {
      const home = await Deno.makeTempDir({ prefix: "sluice-quarantine-" });
      const prefix = `t${crypto.randomUUID().slice(0, 8)}.`;
      const brokers = requireTestVariable("SLUICE_TEST_KAFKA_BROKERS");
      const env = {
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: prefix,
        DATABASE_URL: databaseUrl,
        SLUICE_HOME: home,
        SLUICE_LAKE: join(home, "lake"),
        SLUICE_LOG_LEVEL: "error",
      };
      try {
        const kafka = openKafka({
          brokers: [brokers],
          clientId: "sluice-test",
          topicPrefix: prefix,
          retentionHours: 1,
        });
        const admin = kafka.admin();
        const producer = kafka.producer();
        await Promise.all([admin.connect(), producer.connect()]);
        try {
          await ensureTopics(admin, { retentionHours: 1 }, prefix);
          await producer.send({
            topic: `${prefix}orders`,
            acks: -1,
            messages: CASES.map(({ value }) => ({
              key: ORDER.user_id,
              value,
              partition: 0,
              // The event time travels in a header, which dates the payloads that have none.
              headers: { [EVENT_TIME_HEADER]: String(Date.parse(ORDER.event_time)) },
            })),
          });
        } finally {
          await Promise.all([admin.disconnect(), producer.disconnect()]);
        }
        const ingested = await finish(
          scriptCommand("sluice.ts", ["ingest", "--until-caught-up"], env).spawn(),
        );
        assert.equal(ingested.code, 0, ingested.stderr);
        assert.match(ingested.stdout, new RegExp(`Ingested ${CASES.length} records`));
        const built = await runScript("sluice.ts", [
          "materialize",
          "bronze.rejected_events",
          "--partition",
          "2026-11-01",
        ], env);
        assert.equal(built.code, 0, built.stdout + built.stderr);

        const rows = await quarantine(databaseUrl);
        assert.deepEqual(
          rows,
          CASES.flatMap((c, offset) =>
            c.kind === undefined ? [] : [{
              topic: "orders",
              partition: 0,
              offset,
              kind: c.kind,
              reason: c.reason,
              payload: c.value ?? "",
            }]
          ),
        );
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    }),
});

/** bronze.rejected_events for 2026-11-01, row by row. */
async function quarantine(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  let location: string;
  try {
    [{ location }] = await sql<{ location: string }[]>`
      select location from platform.asset_partitions
      where asset_key = 'bronze.rejected_events' and partition_key = '2026-11-01'`;
  } finally {
    await sql.end();
  }
  const [dir] = locationParts(location).map((uri) => fileURLToPath(uri));
  const db = await openDuckDb({ threads: 1 });
  try {
    const rows = await db.all<{
      topic: string;
      partition: number | bigint;
      offset: number | bigint;
      kind: string;
      reason: string;
      payload: string;
    }>(
      `SELECT topic, partition, "offset", kind, reason, payload
       FROM read_parquet('${join(dir, BRONZE_FILE)}') ORDER BY "offset"`,
    );
    return rows.map((row) => ({
      ...row,
      partition: Number(row.partition),
      offset: Number(row.offset),
    }));
  } finally {
    db.close();
  }
}
