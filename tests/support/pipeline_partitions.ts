// How many partitions of the real pipeline exist at an instant, from its definitions, so tests
// of `materialize`'s fresh and waiting counts follow the assets as they are added.
import { loadDefinitions } from "../../assets/definitions.ts";

export interface PipelinePartitions {
  /** Assets (not sources) with daily partitions. */
  readonly daily: number;
  /** Assets with one unpartitioned partition each (seeds, marts). */
  readonly unpartitioned: number;
  /** Every asset partition that exists at the instant, unpartitioned ones included. */
  readonly existing: number;
}

export async function pipelinePartitions(now: Date): Promise<PipelinePartitions> {
  let daily = 0;
  let unpartitioned = 0;
  let existing = 0;
  for (const asset of (await loadDefinitions()).assets) {
    if (asset.kind !== "asset") continue;
    if (asset.partitions.kind === "unpartitioned") unpartitioned++;
    else daily++;
    existing += asset.partitions.keys(now).length;
  }
  return { daily, unpartitioned, existing };
}
