// Vacuum daily at 03:30 UTC: lake files nothing references and metadata past the 7-day window.
import { defineSchedule } from "../runtime/automation/schedule.ts";

export const vacuumDaily = defineSchedule({
  name: "vacuum_daily",
  cron: "30 3 * * *",
  timezone: "UTC",
  kind: "vacuum",
  tags: { retain_days: "7", grace_minutes: "60", maintenance: "vacuum" },
  catchUp: { policy: "latest", max: 1 },
  description: "Removes unreferenced lake files and trims metadata older than 7 days.",
});
