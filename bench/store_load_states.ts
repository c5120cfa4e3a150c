// Measures MetadataStore.loadStates() at status-page scale (1,000 assets x 365 daily partitions,
// and 100,000 partitions of one asset) and compares the shipped per-asset packed string with
// plain row objects and with a per-asset json_agg. Postgres when SLUICE_BENCH_DATABASE_URL names a server (a throwaway
// database is created there and dropped), PGlite in memory always.
//
//   deno run -A bench/store_load_states.ts [--runs 7]
import { parseArgs } from "node:util";
import postgres from "postgres";
import { openPgliteClient } from "../resources/postgres/pglite_client.ts";
import { openPostgresClient } from "../resources/postgres/postgres_client.ts";
import type { SqlClient } from "../runtime/sql_client.ts";
import { SqlMetadataStore } from "../runtime/store/sql/sql_metadata_store.ts";

interface Shape {
  readonly label: string;
  readonly assets: number;
  readonly partitions: number;
}

const SHAPES: readonly Shape[] = [
  { label: "1,000 assets x 365 partitions", assets: 1000, partitions: 365 },
  { label: "1 asset x 100,000 partitions", assets: 1, partitions: 100_000 },
];

/** The alternative: one row object per partition, timestamps parsed into Dates by the driver. */
const ROWS_SQL = `
  select asset_key, partition_key, materialization_id, data_version, code_version,
         input_signature, location, rows::float8 as rows, current_at,
         last_run_id, last_status, last_at, last_error
  from platform.asset_partitions`;

interface StateRow {
  asset_key: string;
  partition_key: string;
  materialization_id: string | null;
  data_version: string | null;
  code_version: string | null;
  input_signature: string | null;
  location: string | null;
  rows: number | null;
  current_at: Date | null;
  last_run_id: string | null;
  last_status: string | null;
  last_at: Date | null;
  last_error: string | null;
}

async function loadStatesAsRows(sql: SqlClient): Promise<number> {
  const index = new Map<string, Map<string, unknown>>();
  for (const row of await sql.query<StateRow>(ROWS_SQL)) {
    let partitions = index.get(row.asset_key);
    if (!partitions) index.set(row.asset_key, partitions = new Map());
    partitions.set(row.partition_key, {
      current: row.current_at === null ? undefined : {
        materializationId: row.materialization_id ?? undefined,
        dataVersion: row.data_version,
        codeVersion: row.code_version ?? undefined,
        inputSignature: row.input_signature ?? undefined,
        location: row.location ?? undefined,
        at: row.current_at,
        rows: row.rows ?? undefined,
      },
      lastAttempt: row.last_at === null ? undefined : {
        runId: row.last_run_id,
        status: row.last_status,
        at: row.last_at,
        error: row.last_error ?? undefined,
      },
    });
  }
  return index.size;
}

/** The other aggregate: a JSON array of tuples per asset, one JSON.parse per asset. */
const JSON_AGG_SQL = `
  select asset_key, json_agg(json_build_array(
    partition_key, materialization_id, data_version, code_version, input_signature, location,
    rows::float8, date_part('epoch', current_at) * 1000,
    last_run_id, last_status, date_part('epoch', last_at) * 1000, last_error
  ))::text as states
  from platform.asset_partitions
  group by asset_key`;

type Tuple = [string, ...(string | number | null)[]];

async function loadStatesAsJson(sql: SqlClient): Promise<number> {
  const index = new Map<string, Map<string, unknown>>();
  for (const row of await sql.query<{ asset_key: string; states: string }>(JSON_AGG_SQL)) {
    const partitions = new Map<string, unknown>();
    for (const t of JSON.parse(row.states) as Tuple[]) {
      partitions.set(t[0], {
        current: t[7] === null ? undefined : {
          materializationId: t[1] ?? undefined,
          dataVersion: t[2],
          codeVersion: t[3] ?? undefined,
          inputSignature: t[4] ?? undefined,
          location: t[5] ?? undefined,
          at: new Date(t[7] as number),
          rows: t[6] ?? undefined,
        },
        lastAttempt: t[10] === null ? undefined : {
          runId: t[8],
          status: t[9],
          at: new Date(t[10] as number),
          error: t[11] ?? undefined,
        },
      });
    }
    index.set(row.asset_key, partitions);
  }
  return index.size;
}

/** Realistic rows: every partition materialized once, with a succeeded last attempt. */
async function seed(sql: SqlClient, shape: Shape): Promise<void> {
  await sql.exec(`
    truncate platform.asset_partitions, platform.materialization_inputs,
             platform.materializations, platform.runs cascade;
    insert into platform.runs (id, command, selection, partitions, host, pid, started_at)
    values ('run-bench', 'materialize', '*', '', 'bench', 1, now());
    insert into platform.materializations
      (id, run_id, asset_key, partition_key, data_version, code_version, input_signature,
       location, rows, started_at, committed_at)
    select 'm-' || a || '-' || d, 'run-bench', 'gold.asset_' || a,
           to_char(date '2025-01-01' + d, 'YYYY-MM-DD'), md5('d' || a || d),
           md5('c' || a), md5('s' || a || d), 'lake/gold/asset_' || a || '/' || d, a * d,
           now(), now()
    from generate_series(1, ${shape.assets}) a, generate_series(0, ${shape.partitions - 1}) d;
    insert into platform.asset_partitions
      (asset_key, partition_key, materialization_id, data_version, code_version,
       input_signature, location, rows, current_at, last_run_id, last_status, last_at)
    select asset_key, partition_key, id, data_version, code_version, input_signature,
           location, rows, committed_at, run_id, 'succeeded', committed_at
    from platform.materializations;
    analyze platform.asset_partitions;`);
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: plans, JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function benchBackend(name: string, sql: SqlClient, runs: number): Promise<void> {
  const store = new SqlMetadataStore(sql);
  await store.migrate();
  for (const shape of SHAPES) {
    await seed(sql, shape);
    const packed = await median(runs, () => store.partitions.loadStates());
    const rows = await median(runs, () => loadStatesAsRows(sql));
    const json = await median(runs, () => loadStatesAsJson(sql));
    const ms = (value: number) => `${value.toFixed(0).padStart(5)} ms`;
    const ratio = (value: number) => `(${(value / packed).toFixed(2)}x)`;
    console.log(
      `${name.padEnd(8)} ${shape.label.padEnd(30)} packed (shipped) ${ms(packed)}   row objects ${
        ms(rows)
      } ${ratio(rows)}   json_agg ${ms(json)} ${ratio(json)}`,
    );
  }
}

async function withThrowawayDatabase(adminUrl: string, fn: (url: string) => Promise<void>) {
  const name = `sluice_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await fn(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

const { values } = parseArgs({ args: Deno.args, options: { runs: { type: "string" } } });
const runs = Number(values.runs ?? 7);
console.log(`loadStates(): median of ${runs} runs after one warm-up`);

const adminUrl = Deno.env.get("SLUICE_BENCH_DATABASE_URL");
if (adminUrl) {
  await withThrowawayDatabase(adminUrl, async (url) => {
    const sql = await openPostgresClient(url, { variable: "SLUICE_BENCH_DATABASE_URL" });
    try {
      await benchBackend("Postgres", sql, runs);
    } finally {
      await sql.close();
    }
  });
} else {
  console.log("Postgres skipped: set SLUICE_BENCH_DATABASE_URL to a server to include it");
}

const pglite = await openPgliteClient(":memory:");
try {
  await benchBackend("PGlite", pglite, runs);
} finally {
  await pglite.close();
}
