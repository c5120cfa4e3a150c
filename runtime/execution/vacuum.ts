// Vacuum: trims metadata older than the retention window (run logs, superseded materializations,
// observations and check results) and removes lake locations nothing references any more. A
// location referenced by a current pointer or a retained materialization (each part of a part
// set) is never removed, and neither is a young one, which may belong to a run still writing it.
import type { ListableLake } from "../definitions/lake.ts";
import { locationParts } from "../definitions/part_set.ts";
import type { SqlClient } from "../sql_client.ts";

export interface VacuumOptions {
  /** Superseded versions and logs younger than this are kept. */
  readonly retainDays: number;
  /** Unreferenced locations written more recently than this are kept (in-flight runs). */
  readonly graceMinutes: number;
  readonly dryRun: boolean;
  readonly now: Date;
}

export interface VacuumReport {
  readonly locations: number;
  readonly referenced: number;
  /** Unreferenced but within the grace period. */
  readonly young: number;
  readonly removed: readonly string[];
  readonly trimmed: Readonly<Record<TrimmedTable, number>>;
}

type TrimmedTable =
  | "materializations"
  | "run_logs"
  | "runs"
  | "asset_observations"
  | "check_results"
  | "kafka_segments";

const DAY_MS = 86_400_000;

export async function vacuum(
  db: SqlClient,
  lake: ListableLake,
  options: VacuumOptions,
): Promise<VacuumReport> {
  const cutoff = new Date(options.now.getTime() - options.retainDays * DAY_MS);
  const trimmed = options.dryRun ? await countTrimmable(db, cutoff) : await trim(db, cutoff);
  // Read after trimming, so the files of trimmed versions go in this same vacuum.
  const referenced = await referencedLocations(db, cutoff);
  const graceStart = options.now.getTime() - options.graceMinutes * 60_000;
  let locations = 0;
  let young = 0;
  const removed: string[] = [];
  for await (const location of lake.listLocations()) {
    locations++;
    if (referenced.has(normalize(location.uri))) continue;
    if (location.modifiedAt.getTime() > graceStart) {
      young++;
      continue;
    }
    if (!options.dryRun) await lake.remove(location.uri);
    removed.push(location.uri);
  }
  return { locations, referenced: referenced.size, young, removed, trimmed };
}

/** Location URIs compare without a trailing slash (S3 locations end in one). */
function normalize(uri: string): string {
  return uri.replace(/\/$/, "");
}

const TRIM_STATEMENTS: Readonly<Record<TrimmedTable, string>> = {
  // A current pointer keeps its materialization (and its lineage) whatever its age.
  materializations: `delete from platform.materializations m where m.committed_at < $1
    and not exists (select 1 from platform.asset_partitions p where p.materialization_id = m.id)`,
  run_logs: `delete from platform.run_logs l using platform.runs r
    where l.run_id = r.id and r.started_at < $1 and r.status <> 'running'`,
  runs: `delete from platform.runs r where r.started_at < $1 and r.status <> 'running'
    and not exists (select 1 from platform.materializations m where m.run_id = r.id)`,
  // The newest observation of each partition is its current version: kept.
  asset_observations: `delete from platform.asset_observations o where o.observed_at < $1
    and exists (select 1 from platform.asset_observations n where n.asset_key = o.asset_key
      and n.partition_key = o.partition_key and n.observed_at > o.observed_at)`,
  // The newest result of each check of each partition is what `assets` shows: kept.
  check_results: `delete from platform.check_results c where c.at < $1
    and exists (select 1 from platform.check_results n where n.asset_key = c.asset_key
      and n.partition_key = c.partition_key and n.check_name = c.check_name and n.at > c.at)`,
  // The audit of which offsets went into which bronze segment; bronze's pointers hold the data.
  kafka_segments: `delete from platform.kafka_segments s where s.committed_at < $1`,
};

async function trimIn(tx: SqlClient, cutoff: Date): Promise<Record<TrimmedTable, number>> {
  const counts = {} as Record<TrimmedTable, number>;
  // Materializations before runs: a run is trimmed only once nothing points at it.
  for (const table of Object.keys(TRIM_STATEMENTS) as TrimmedTable[]) {
    const rows = await tx.query(`${TRIM_STATEMENTS[table]} returning 1`, [cutoff.toISOString()]);
    counts[table] = rows.length;
  }
  return counts;
}

function trim(db: SqlClient, cutoff: Date): Promise<Record<TrimmedTable, number>> {
  return db.transaction((tx) => trimIn(tx, cutoff));
}

async function countTrimmable(db: SqlClient, cutoff: Date): Promise<Record<TrimmedTable, number>> {
  // The same statements in a transaction that is always rolled back.
  let counts = {} as Record<TrimmedTable, number>;
  await db.transaction(async (tx) => {
    counts = await trimIn(tx, cutoff);
    throw new RollBack();
  }).catch((error) => {
    if (!(error instanceof RollBack)) throw error;
  });
  return counts;
}

class RollBack extends Error {}

/**
 * Every location something still needs: those of current pointers and of materializations within
 * retention, each part of a part set. (After a real trim the retention filter finds nothing more
 * to drop; on a dry run it stands in for the trim.)
 */
async function referencedLocations(db: SqlClient, cutoff: Date): Promise<Set<string>> {
  const rows = await db.query<{ location: string }>(
    `select location from platform.asset_partitions where location is not null
     union select location from platform.materializations where committed_at >= $1`,
    [cutoff.toISOString()],
  );
  return new Set(rows.flatMap((r) => locationParts(r.location).map(normalize)));
}
