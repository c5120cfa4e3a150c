// One observable source per topic over the landing zone: each event day that has landed lines
// reports a digest of its batch files, so a new batch shows as "source has new data" on that
// day's bronze partition only.
import { defineSource, type SourceAsset } from "../runtime/definitions/asset.ts";
import type { DataVersion } from "../runtime/definitions/version.ts";
import { daily } from "../runtime/partitions/daily_partitions.ts";
import { TOPICS } from "../contracts/events/mod.ts";
import { completeDays } from "./complete_days.ts";
import { EVENT_DAYS_START } from "./partitions.ts";
import type {} from "./resources.ts";

/** `landing.<topic>` for each of the six topics, in TOPICS order. */
export function landingSources(): SourceAsset[] {
  const partitions = daily({ start: EVENT_DAYS_START });
  return TOPICS.map((topic) =>
    defineSource({
      key: `landing.${topic}`,
      group: "landing",
      description: `Batch files of topic ${topic} in the landing zone, observed per event day.`,
      partitions,
      async observe(ctx) {
        const digests = await ctx.resources.landing.dayDigests(topic);
        const { observed, later } = completeDays(
          partitions,
          [...digests].map(([day, digest]) => [day, digest as DataVersion] as const),
          ctx.now,
        );
        return {
          partitions: observed,
          metadata: { days: observed.size, not_yet_partitions: later },
        };
      },
    })
  );
}
