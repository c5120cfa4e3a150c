// Sluice's own assets: the medallion pipeline from the landing zone to gold. The CLI entry
// point hands these to the runtime; the runtime never imports this folder.
import type { Definitions } from "../runtime/definitions.ts";
import { bronzeAssets, rejectedEventsAsset } from "./bronze.ts";
import { generateDefaultDayWhenEmpty } from "./default_day.ts";
import { landingSources } from "./landing_sources.ts";
import { openPipelineResources } from "./resources.ts";
import { loadTransforms } from "./transforms.ts";

export async function loadDefinitions(): Promise<Definitions> {
  const sources = landingSources();
  const bronze = bronzeAssets(sources);
  return {
    assets: [...sources, ...bronze, rejectedEventsAsset(bronze), ...await loadTransforms()],
    resources: openPipelineResources,
    beforeMaterialize: generateDefaultDayWhenEmpty,
    nextSteps: [
      "`deno task generate --start YYYY-MM-DD` lands another day; `deno task materialize` " +
      "then builds only that day's partitions and what depends on them.",
      "`deno task materialize --dry-run` shows what would run and why.",
    ],
  };
}
