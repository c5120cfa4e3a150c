// How long `deno task runs` (and the UI's runs page, /api/runs) takes to find the runs no request
// started, beside a queue history of N requests: store.queue.listRunsOutsideQueue (a hash anti
// join on the requests' run ids) against its peer, the first form (a jsonb containment test per
// run), on the same data in the same run. Medians of --reads reads.
//
//   deno run -A bench/runs_history_bench.ts [--requests 1000,5000] [--reads 5]
//   (Postgres: SLUICE_TEST_DATABASE_URL, an admin URL; a database is created per size)
import { parseArgs } from "node:util";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import { createFreshDatabase, requireTestVariable } from "../tests/support/services.ts";

const { values: flags } = parseArgs({
  options: {
    requests: { type: "string", default: "1000,5000" },
    reads: { type: "string", default: "5" },
  },
});
const SIZES = flags.requests!.split(",").map(Number);
const READS = Number(flags.reads);
/** Runs no request started, older than every request's run (the worst case: found last). */
const OUTSIDE = 60;

/** The first form of the query, kept here as the peer. */
const CONTAINMENT = `select id from platform.runs u
  where not exists (select 1 from platform.run_requests r where r.run_ids @> jsonb_build_array(u.id))
  order by u.started_at desc, u.id desc limit 50`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(read: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < READS; i++) {
    const start = performance.now();
    await read();
    times.push(performance.now() - start);
  }
  return times;
}

const adminUrl = requireTestVariable("SLUICE_TEST_DATABASE_URL");
for (const n of SIZES) {
  const database = await createFreshDatabase(adminUrl);
  const store = await openMetadataStore({ databaseUrl: database.url });
  try {
    await store.migrate();
    const db = store.database;
    await db.query(
      `insert into platform.runs (id, command, selection, partitions, host, pid, status,
         started_at, summary)
       select 'outside-' || g, 'materialize', '*', 'all partitions', 'h', 1, 'succeeded',
              now() - interval '1 day' - g * interval '1 second', '{}'::jsonb
       from generate_series(1, $1::int) g`,
      [OUTSIDE],
    );
    await db.query(
      `insert into platform.runs (id, command, selection, partitions, host, pid, status,
         started_at, summary)
       select 'request-run-' || g, 'request ' || g, '*', 'all partitions', 'h', 1, 'succeeded',
              now() - g * interval '1 second', '{}'::jsonb
       from generate_series(1, $1::int) g`,
      [n],
    );
    await db.query(
      `insert into platform.run_requests (kind, selection, tags, origin, status, run_id, run_ids)
       select 'materialize', '*', '{}', 'cli', 'succeeded', 'request-run-' || g,
              jsonb_build_array('request-run-' || g)
       from generate_series(1, $1::int) g`,
      [n],
    );
    await db.query("analyze");
    const found = await store.queue.listRunsOutsideQueue({ limit: 50 });
    if (found.length !== 50 || !found.every((run) => run.id.startsWith("outside-"))) {
      throw new Error(`expected 50 runs outside the queue, got ${found.length}`);
    }
    const now = await timed(() => store.queue.listRunsOutsideQueue({ limit: 50 }));
    const peer = await timed(() => db.query(CONTAINMENT));
    console.log(
      `${n} requests: listRunsOutsideQueue median ${median(now).toFixed(1)} ms; ` +
        `containment peer median ${median(peer).toFixed(1)} ms (${READS} reads each)`,
    );
  } finally {
    await store.close();
    await database.drop();
  }
}
