// Vacuum: trims metadata older than the retention window (through the store) and removes lake
// locations nothing references any more. A location referenced by a current pointer or a
// retained materialization (each part of a part set) is never removed, and neither is a young
// one, which may belong to a run still writing it, nor one written since the oldest run that
// holds a lease started: a step may write its output early and commit it an hour later.
import type { ListableLake } from "../definitions/lake.ts";
import type { MaintenanceStore, TrimmedTable } from "../store/maintenance_store.ts";

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

const DAY_MS = 86_400_000;
/** How far a run's clock and the lake's may disagree about when a file was written. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The moment before which superseded metadata is trimmed. */
export function retentionCutoff(options: VacuumOptions): Date {
  return new Date(options.now.getTime() - options.retainDays * DAY_MS);
}

export async function vacuum(
  store: MaintenanceStore,
  lake: ListableLake,
  options: VacuumOptions,
): Promise<VacuumReport> {
  const cutoff = retentionCutoff(options);
  const trimmed = await store.trim(cutoff, options.dryRun);
  // In flight before references: a step that commits between the two reads is seen by the
  // second, and one that has not committed yet holds the lease the first one saw.
  const inFlight = await store.inFlightSince();
  // Read after trimming, so the files of trimmed versions go in this same vacuum.
  const referenced = await store.referencedLocations(cutoff);
  const graceStart = Math.min(
    options.now.getTime() - options.graceMinutes * 60_000,
    inFlight === undefined ? Infinity : inFlight.getTime() - CLOCK_SKEW_MS,
  );
  let locations = 0;
  let young = 0;
  const removed: string[] = [];
  for await (const location of lake.listLocations()) {
    locations++;
    if (referenced.has(location.uri.replace(/\/$/, ""))) continue;
    if (location.modifiedAt.getTime() > graceStart) {
      young++;
      continue;
    }
    if (!options.dryRun) await lake.remove(location.uri);
    removed.push(location.uri);
  }
  return { locations, referenced: referenced.size, young, removed, trimmed };
}
