// What `materialize` does first on a fresh checkout: with nothing landed, it generates a default
// history of events (ten days, ending yesterday) so the whole pipeline, the model included, has
// something real to build: enough days to train, validate and promote a champion.
import type { PrepareContext } from "../runtime/definitions/definitions.ts";
import { TOPICS } from "../contracts/events/mod.ts";
import { runGenerator } from "../generator/run.ts";
import { DEFAULT_BATCH_SIZE } from "../generator/landing_writer.ts";
import type {} from "./resources.ts";

const DAY_MS = 86_400_000;

/** Days of history a fresh checkout generates: 9 to train the newest model on, 1 to validate. */
export const DEFAULT_HISTORY_DAYS = 10;
/**
 * Events per day of that history: a lower rate than `deno task generate`'s default, so the
 * whole fresh-clone path stays short, with some 5,000 orders (150 fraud) a day: the model's
 * row gate asks for 1,000 training rows, and its recall gate needs fraud to count.
 */
export const DEFAULT_HISTORY_EVENTS_PER_DAY = 30_000;

/** Yesterday (UTC), the newest complete day: its partitions exist as soon as it lands. */
export function defaultDayStart(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS;
}

/** The first day of the default history, which ends yesterday. */
export function defaultHistoryStart(now: Date): number {
  return defaultDayStart(now) - (DEFAULT_HISTORY_DAYS - 1) * DAY_MS;
}

export async function generateDefaultHistoryWhenEmpty(ctx: PrepareContext): Promise<void> {
  const landing = ctx.resources.landing;
  if (!await landing.isEmpty(TOPICS)) return;
  // The command's clock: with SLUICE_NOW the history ends the day before that instant.
  const now = ctx.clock.now();
  const start = defaultHistoryStart(now);
  const first = new Date(start).toISOString().slice(0, 10);
  const last = new Date(defaultDayStart(now)).toISOString().slice(0, 10);
  const events = DEFAULT_HISTORY_DAYS * DEFAULT_HISTORY_EVENTS_PER_DAY;
  ctx.say(
    `The landing zone ${landing.root} is empty: generating ${DEFAULT_HISTORY_DAYS} days of ` +
      `history, ${first}..${last}, ${events.toLocaleString("en-US")} events, first.`,
  );
  const report = runGenerator({
    seed: 42,
    events,
    days: DEFAULT_HISTORY_DAYS,
    start,
    fraudRate: 0.03,
    malformedRate: 0.001,
    landing: landing.root,
    batchSize: DEFAULT_BATCH_SIZE,
  });
  ctx.say(
    `Landed ${report.events.toLocaleString("en-US")} events (${report.malformed} malformed, ` +
      `${report.fraudOrders} orders labelled fraud) in ${(report.elapsedMs / 1000).toFixed(1)} s.`,
  );
}
