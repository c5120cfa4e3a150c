// What vacuum trims of the automation's own history: run requests that ended before the cutoff,
// daemons long stopped, old schedule ticks (each schedule keeps its latest) and delivered alerts.
import type { MetadataStore } from "../store/metadata_store.ts";

export async function trimAutomation(
  store: MetadataStore,
  cutoff: Date,
  dryRun: boolean,
): Promise<Readonly<Record<string, number>>> {
  return {
    ...await store.queue.trim(cutoff, dryRun),
    ...await store.automation.trim(cutoff, dryRun),
  };
}
