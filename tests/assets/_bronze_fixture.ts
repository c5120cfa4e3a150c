// Stand-ins for the bronze assets in transform tests: each writes, for its day, the events a
// test hands it as a bronze-shaped data.parquet, so silver and gold run on hand-built input.
import { join } from "node:path";
import type { AnyEvent, Topic } from "../../contracts/events/mod.ts";
import { TOPICS } from "../../contracts/events/mod.ts";
import { EVENT_DAYS_START } from "../../assets/partitions.ts";
import { BRONZE_DDL, loadTransforms } from "../../assets/transforms.ts";
import { type AssetDefinition, defineAsset } from "../../runtime/definitions/asset.ts";
import { daily } from "../../runtime/partitions/daily_partitions.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import { openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { DATA_FILE, emptyRelation } from "../../resources/duckdb/duckdb_sql_engine.ts";
import { loadPointer } from "../../runtime/store/partition_store.ts";
import { type Harness, openHarness } from "../support/runtime_harness.ts";

/** Events per topic; each lands in the bronze partition of its event_time's UTC day. */
export type Fixture = Partial<Record<Topic, AnyEvent[]>>;

/** The six bronze assets over a fixture the test may change between runs. */
export function bronzeFixtureAssets(fixture: { events: Fixture }): AssetDefinition[] {
  return TOPICS.map((topic) =>
    defineAsset({
      key: `bronze.${topic}`,
      partitions: daily({ start: EVENT_DAYS_START }),
      retry: { maxAttempts: 1 },
      async materialize(ctx) {
        const events = (fixture.events[topic] ?? [])
          .filter((event) => event.event_time.slice(0, 10) === ctx.partition);
        const rows = await writeBronzeParquet(topic, events, join(ctx.output.dir, DATA_FILE));
        return { rows };
      },
    })
  );
}

/** Writes `events` as bronze rows (offsets in list order) to `file`; returns the row count. */
export async function writeBronzeParquet(
  topic: Topic,
  events: readonly AnyEvent[],
  file: string,
): Promise<number> {
  const db = await openDuckDb({ threads: 1 });
  try {
    const values = events.map((event, offset) =>
      `(${quote(topic)}, 0, ${offset}, TIMESTAMPTZ ${quote(event.event_time)}, ` +
      `DATE ${quote(event.event_time.slice(0, 10))}, ${quote(JSON.stringify(event))})`
    );
    const select = values.length === 0
      ? `SELECT * FROM ${emptyRelation(BRONZE_DDL)}`
      : `SELECT CAST(c1 AS VARCHAR) AS _topic, CAST(c2 AS INTEGER) AS _partition,
           CAST(c3 AS BIGINT) AS _offset, c4 AS _ingested_at, c5 AS event_date,
           CAST(c6 AS VARCHAR) AS payload
         FROM (VALUES ${values.join(", ")}) AS t(c1, c2, c3, c4, c5, c6)`;
    return await db.copyToParquet(select, file);
  } finally {
    db.close();
  }
}

/** A harness over the fixture's bronze and every seed, silver and gold asset. */
export async function openTransformHarness(fixture: { events: Fixture }): Promise<Harness> {
  return await openHarness([...bronzeFixtureAssets(fixture), ...await loadTransforms()]);
}

function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The rows of the current `key` / `partition`, as DuckDB reads its data.parquet. */
export async function readCurrent(
  h: Harness,
  key: string,
  partition: string,
): Promise<Record<string, unknown>[]> {
  const current = await currentOf(h, key, partition);
  const location = await h.lake.open(current.location!);
  const db = await openDuckDb({ threads: 1 });
  try {
    return await db.all(`SELECT * FROM read_parquet(?)`, [join(location.dir, DATA_FILE)]);
  } finally {
    db.close();
  }
}

/** The current materialization of `key` / `partition`; fails the test when there is none. */
export async function currentOf(h: Harness, key: string, partition: string) {
  const current = await loadPointer(h.store.partitions, key as AssetKey, partition as PartitionKey);
  if (current === undefined) throw new Error(`${key} ${partition} was never materialized`);
  return current;
}
