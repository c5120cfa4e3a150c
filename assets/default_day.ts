// What `materialize` does first on a fresh checkout: with nothing landed, it generates a
// default day of events so the whole pipeline has something real to build.
import type { PrepareContext } from "../runtime/definitions/definitions.ts";
import { TOPICS } from "../contracts/events/mod.ts";
import { runGenerator } from "../generator/run.ts";
import { DEFAULT_EVENTS_PER_DAY } from "../generator/options.ts";
import { DEFAULT_BATCH_SIZE } from "../generator/landing_writer.ts";
import type {} from "./resources.ts";

const DAY_MS = 86_400_000;

/** Yesterday (UTC), the newest complete day: its partitions exist as soon as it lands. */
export function defaultDayStart(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS;
}

export async function generateDefaultDayWhenEmpty(ctx: PrepareContext): Promise<void> {
  const landing = ctx.resources.landing;
  if (!await landing.isEmpty(TOPICS)) return;
  const start = defaultDayStart(new Date());
  const day = new Date(start).toISOString().slice(0, 10);
  ctx.say(
    `The landing zone ${landing.root} is empty: generating a default day of ` +
      `${DEFAULT_EVENTS_PER_DAY.toLocaleString("en-US")} events for ${day} first.`,
  );
  const report = runGenerator({
    seed: 42,
    events: DEFAULT_EVENTS_PER_DAY,
    days: 1,
    start,
    fraudRate: 0.03,
    malformedRate: 0.001,
    landing: landing.root,
    batchSize: DEFAULT_BATCH_SIZE,
  });
  ctx.say(
    `Landed ${report.events.toLocaleString("en-US")} events (${report.malformed} malformed, ` +
      `${report.fraudOrders} fraudulent orders) in ${(report.elapsedMs / 1000).toFixed(1)} s.`,
  );
}
