// silver.orders_enriched reads its 30-day history from silver.user_activity, one compact row per
// user and day. These tests hold it to what it replaced, window functions over 31 days of
// staging (reference/orders_enriched_window.sql, run beside it in the same graph): the same
// file, byte for byte, on 33 generated days and on hand-written events at every window's edge.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnyEvent, OrderEvent, Topic } from "../../../contracts/events/mod.ts";
import { TOPICS } from "../../../contracts/events/mod.ts";
import { generateEvents } from "../../../generator/event_stream.ts";
import { loadTransforms, transformSchemaOf } from "../../../assets/transforms.ts";
import { duckDbSqlEngine } from "../../../resources/duckdb/duckdb_sql_engine.ts";
import { DATA_FILE } from "../../../resources/duckdb/duckdb_sql_engine.ts";
import { openDuckDb } from "../../../resources/duckdb/duckdb.ts";
import { sqlAsset } from "../../../runtime/sql/sql_asset.ts";
import { type Harness, openHarness } from "../../support/runtime_harness.ts";
import { bronzeFixtureAssets, currentOf, type Fixture } from "../_bronze_fixture.ts";
import { device, geo, order, payment, refund, user } from "../_events.ts";

const REFERENCE = "reference.orders_enriched_window";
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

async function referenceAsset() {
  const path = fileURLToPath(new URL("./reference/orders_enriched_window.sql", import.meta.url));
  return sqlAsset(path, "reference/orders_enriched_window.sql", await Deno.readTextFile(path), {
    engines: { duckdb: duckDbSqlEngine({ schemaOf: transformSchemaOf }) },
    defaultEngine: "duckdb",
  });
}

async function openWithReference(events: Fixture): Promise<Harness> {
  return await openHarness([
    ...bronzeFixtureAssets({ events }),
    ...await loadTransforms(),
    await referenceAsset(),
  ]);
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Materializes both for `first..last`; returns, per day, each one's data version and rows. */
async function bothFor(h: Harness, first: string, last: string) {
  const outcome = await h.run({
    selection: `+silver.orders_enriched,+${REFERENCE}`,
    partitions: `${first}..${last}`,
  });
  assert.equal(outcome.run?.status, "succeeded");
  const days: { day: string; ours: string; reference: string; rows: number }[] = [];
  for (let ms = Date.parse(first); ms <= Date.parse(last); ms += DAY_MS) {
    const day = dayOf(ms);
    const ours = await currentOf(h, "silver.orders_enriched", day);
    const reference = await currentOf(h, REFERENCE, day);
    days.push({
      day,
      ours: ours.dataVersion,
      reference: reference.dataVersion,
      rows: ours.rows ?? -1,
    });
  }
  return days;
}

/** Rows of one asset partition's data.parquet, by a query over it as `t`. */
async function query(h: Harness, key: string, day: string, sql: string) {
  const current = await currentOf(h, key, day);
  const location = await h.lake.open(current.location!);
  const db = await openDuckDb({ threads: 1 });
  try {
    return await db.all(
      `WITH t AS (SELECT * FROM read_parquet('${join(location.dir, DATA_FILE)}')) ${sql}`,
    );
  } finally {
    db.close();
  }
}

/** The rows of two outputs that differ, for a readable failure. */
async function differences(h: Harness, day: string) {
  const files = await Promise.all([
    currentOf(h, "silver.orders_enriched", day),
    currentOf(h, REFERENCE, day),
  ].map(async (p) => join((await h.lake.open((await p).location!)).dir, DATA_FILE)));
  const db = await openDuckDb({ threads: 1 });
  try {
    return await db.all(
      `(SELECT 'ours' AS side, * FROM (SELECT * FROM read_parquet('${files[0]}')
          EXCEPT ALL SELECT * FROM read_parquet('${files[1]}')))
       UNION ALL
       (SELECT 'reference' AS side, * FROM (SELECT * FROM read_parquet('${files[1]}')
          EXCEPT ALL SELECT * FROM read_parquet('${files[0]}')))
       ORDER BY order_id, side LIMIT 10`,
    );
  } finally {
    db.close();
  }
}

async function assertSameFiles(h: Harness, first: string, last: string) {
  for (const day of await bothFor(h, first, last)) {
    if (day.ours !== day.reference) {
      assert.fail(
        `${day.day}: silver.orders_enriched differs from the 31-day window:\n` +
          JSON.stringify(await differences(h, day.day), null, 1),
      );
    }
  }
}

Deno.test({
  name: "33 generated days: each day's silver.orders_enriched is byte for byte the 31-day window's",
  async fn() {
    const start = Date.parse("2026-03-01T00:00:00Z");
    const days = 33;
    const events = Object.fromEntries(TOPICS.map((t) => [t, [] as AnyEvent[]])) as Record<
      Topic,
      AnyEvent[]
    >;
    // A small shop (2,000 shoppers, about 400 orders a day), so most users order on several
    // days of every window and many on D-30 and D-7 as well as on the day itself.
    generateEvents(
      {
        seed: 1717,
        events: 3_000 * days,
        start,
        end: start + days * DAY_MS,
        fraudRate: 0.03,
        malformedRate: 0,
      },
      (record) => events[record.topic].push(JSON.parse(record.line)),
    );
    const h = await openWithReference(events);
    try {
      const first = dayOf(start);
      const last = dayOf(start + (days - 1) * DAY_MS);
      await assertSameFiles(h, first, last);

      // The edges were exercised on the last day: orders counting an order of D-30 that is
      // within 30x24h and leaving out one that is not, and orders after others of the same day.
      const d30 = dayOf(start + (days - 31) * DAY_MS);
      const [edges] = await query(
        h,
        "silver.user_activity",
        d30,
        `, o AS (SELECT user_id, order_ts FROM read_parquet(
             '${await fileOf(h, "silver.orders_enriched", last)}'))
         SELECT
           count(*) FILTER (WHERE x >= o.order_ts - INTERVAL 30 DAYS) AS inside,
           count(*) FILTER (WHERE x < o.order_ts - INTERVAL 30 DAYS) AS outside
         FROM (SELECT user_id, unnest(order_ts) AS x FROM t) JOIN o USING (user_id)`,
      );
      assert.ok(Number(edges.inside) > 10, `D-30 orders inside the window: ${edges.inside}`);
      assert.ok(Number(edges.outside) > 10, `D-30 orders outside the window: ${edges.outside}`);
      const [sameDay] = await query(
        h,
        "silver.orders_enriched",
        last,
        `SELECT count(*) FILTER (WHERE velocity_1h > 0) AS within_hour,
                count(*) FILTER (WHERE device_count_30d > 1) AS several_devices
         FROM t`,
      );
      assert.ok(Number(sameDay.within_hour) > 10);
      assert.ok(Number(sameDay.several_devices) > 10);
    } finally {
      await h.close();
    }
  },
});

async function fileOf(h: Harness, key: string, day: string): Promise<string> {
  const current = await currentOf(h, key, day);
  return join((await h.lake.open(current.location!)).dir, DATA_FILE);
}

Deno.test("events exactly at each window's edge count as the 31-day window counts them", async () => {
  const day = "2026-03-31";
  const T = Date.parse(`${day}T09:30:00.000Z`);
  const at = (ms: number) => new Date(ms).toISOString();
  const who = { user_id: "usr_edge", session_id: "ses_edge", device_id: "dev_main" };
  // Each earlier order in a session of its own, as shoppers' sessions last minutes: an order's
  // session context is read from its day and the day before (see the SQL).
  let sessions = 0;
  const earlier = (ms: number, amount: number, currency: OrderEvent["currency"] = "USD") =>
    order({ ...who, session_id: `ses_h${++sessions}`, event_time: at(ms), amount, currency });
  const target = order({ ...who, event_time: at(T), amount: 100 });
  const history = [
    // 30x24h: at the edge counts, a millisecond before does not; likewise 7 days, 24 h, 1 h.
    earlier(T - 30 * DAY_MS, 900),
    earlier(T - 30 * DAY_MS - 1, 950),
    earlier(T - 7 * DAY_MS, 20),
    earlier(T - 7 * DAY_MS - 1, 25),
    earlier(T - 24 * HOUR_MS, 30),
    earlier(T - 24 * HOUR_MS - 1, 35),
    earlier(T - HOUR_MS, 40),
    earlier(T - HOUR_MS - 1, 45),
    earlier(T - 12 * DAY_MS, 60, "EUR"),
    earlier(T - 9 * HOUR_MS, 70),
  ];
  // Same instant as the target (left out of each other's windows) and after it.
  const twin = order({ ...who, event_time: at(T), amount: 500 });
  const later = order({ ...who, event_time: at(T + 1), amount: 10 });
  // A session that starts before midnight: its device and geo context come from the day before.
  const night = { user_id: "usr_edge", session_id: "ses_night", device_id: "dev_night" };
  const midnight = Date.parse(`${day}T00:00:00.000Z`);
  const nightOrder = order({ ...night, event_time: at(midnight + 5 * 60_000), amount: 80 });
  const events: Fixture = {
    orders: [
      ...history,
      target,
      twin,
      later,
      nightOrder,
      order({ user_id: "usr_old", session_id: "ses_old", event_time: at(T - HOUR_MS) }),
    ],
    payments: [
      payment(history[0], { event_time: at(T - 30 * DAY_MS), status: "CHARGEBACK" }),
      payment(history[1], { event_time: at(T - 30 * DAY_MS - 1), status: "CHARGEBACK" }),
      payment(history[8], { event_time: at(T - 2 * DAY_MS), status: "CHARGEBACK" }),
      payment(target, { event_time: at(T + 2_000), provider_risk_score: 0.3 }),
      payment(twin, { event_time: at(T), status: "CHARGEBACK" }),
    ],
    refunds: [
      refund(history[0], { event_time: at(T - 30 * DAY_MS), reason: "item_not_received" }),
      refund(history[1], { event_time: at(T - 30 * DAY_MS - 1), reason: "not_as_described" }),
      refund(history[2], { event_time: at(T - 3 * DAY_MS), reason: "changed_mind" }),
      refund(history[9], { event_time: at(T - 1), reason: "not_as_described", status: "REJECTED" }),
    ],
    devices: [
      // Seen only at the 30-day edge: counts; only a millisecond before it: not, until the
      // device shows up again earlier on the day; seen at the edge and on a whole day; at T.
      device({ ...who, event_time: at(T - 30 * DAY_MS), device_id: "dev_edge" }),
      device({ ...who, event_time: at(T - 30 * DAY_MS - 1), device_id: "dev_gone" }),
      device({ ...who, event_time: at(T - 2 * HOUR_MS), device_id: "dev_gone" }),
      device({ ...who, event_time: at(T - 30 * DAY_MS + 5), device_id: "dev_both" }),
      device({ ...who, event_time: at(T - 15 * DAY_MS), device_id: "dev_both" }),
      device({ ...who, event_time: at(T), device_id: "dev_now", is_bot: true }),
      device({ ...night, event_time: at(midnight - 10 * 60_000), is_emulator: true }),
    ],
    geo_events: [
      // The user's last geo event before yesterday: where the session's first one travelled from.
      geo({
        ...who,
        session_id: "ses_paris",
        event_time: at(T - 5 * DAY_MS),
        latitude: 48.85,
        longitude: 2.35,
      }),
      geo({ ...night, event_time: at(midnight - 8 * 60_000), latitude: 40.7, longitude: -74 }),
      geo({ ...who, event_time: at(T - 30 * 60_000), latitude: 51.5, longitude: -0.12 }),
      geo({ ...who, event_time: at(T), latitude: 35.7, longitude: 139.7, is_vpn: true }),
    ],
    users: [
      // The signup is older than the window: the profile update inside it wins.
      user({ user_id: "usr_edge", event_time: at(T - 35 * DAY_MS) }),
      // Another user known only from a signup older than the window: silver.users has it.
      user({ user_id: "usr_old", event_time: at(T - 35 * DAY_MS), email_domain: "gmx.de" }),
      user({
        user_id: "usr_edge",
        event_type: "profile_update",
        event_time: at(T - 20 * DAY_MS),
        email_domain: "proton.me",
      }),
    ],
  };
  const h = await openWithReference(events);
  try {
    await assertSameFiles(h, dayOf(T - 35 * DAY_MS), day);
    const [row] = await query(
      h,
      "silver.orders_enriched",
      day,
      `SELECT velocity_1h, velocity_24h, velocity_7d, prior_orders_30d, chargeback_count,
              refund_count_30d, fraud_refund_count, device_count_30d, email_domain
       FROM t WHERE order_id = '${target.order_id}'`,
    );
    // Not only equal to the reference: the values the edges say.
    assert.deepEqual(row, {
      velocity_1h: 1,
      velocity_24h: 5,
      velocity_7d: 7,
      prior_orders_30d: 10,
      chargeback_count: 2,
      refund_count_30d: 3,
      fraud_refund_count: 2,
      device_count_30d: 5,
      email_domain: "proton.me",
    });
  } finally {
    await h.close();
  }
});
