// The day every pipeline benchmark lands: seed 42, 3% fraud, 0.1% malformed, one UTC day of
// `events` events in `<home>/landing`, so benches that share a size share the same input.
import { runGenerator } from "../generator/run.ts";
import { DEFAULT_BATCH_SIZE } from "../generator/landing_writer.ts";

export function landBenchDay(home: string, events: number, day: string) {
  return runGenerator({
    seed: 42,
    events,
    days: 1,
    start: Date.parse(`${day}T00:00:00Z`),
    fraudRate: 0.03,
    malformedRate: 0.001,
    landing: `${home}/landing`,
    batchSize: DEFAULT_BATCH_SIZE,
  });
}
