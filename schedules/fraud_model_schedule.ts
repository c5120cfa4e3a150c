// The fraud model retrains daily at 02:00 UTC, as the reference design's training DAG did. It
// names the model asset by key, so this file does not depend on the model's code; until the
// asset exists, the schedule's ticks are recorded as skipped with that reason.
import { defineSchedule } from "../runtime/automation/schedule.ts";

export const fraudModelDaily = defineSchedule({
  name: "fraud_model_daily",
  cron: "0 2 * * *",
  timezone: "UTC",
  selection: "models.fraud_detector",
  // The model's partition D trains on the days before D and validates on D-1: at 02:00 UTC,
  // yesterday is complete, so the tick's own day is the one to train.
  partitions: (tick) => tick.toISOString().slice(0, 10),
  tags: { model: "fraud_detector" },
  catchUp: { policy: "latest", max: 1 },
  description: "Retrains models.fraud_detector on the latest silver features (if stale).",
});
