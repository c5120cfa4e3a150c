// Built-in sensor: raises an alert for every run that fails (or is abandoned), once per run:
// the alert is keyed by the run id and recorded with the cursor, then delivered by the daemon
// to every alert sink (the log, a Kafka topic, a webhook). It watches runs that end after it
// was first evaluated; older failures are history, not news.
import type { EndedRun } from "../../store/metadata_store.ts";
import { defineSensor, type SensorContext, type SensorDefinition } from "../sensor.ts";

export interface RunFailureSensorOptions {
  readonly name?: string;
  readonly minimumIntervalSeconds?: number;
  /** Run statuses that raise an alert. */
  readonly statuses?: readonly string[];
  readonly defaultState?: "on" | "off";
}

interface Cursor {
  readonly at: string;
  readonly id: string;
}

const BATCH = 200;

export function runFailureSensor(options: RunFailureSensorOptions = {}): SensorDefinition {
  const statuses = options.statuses ?? ["failed", "abandoned"];
  return defineSensor({
    name: options.name ?? "run_failures",
    minimumIntervalSeconds: options.minimumIntervalSeconds ?? 15,
    defaultState: options.defaultState,
    description: `Alerts once per run that ends ${statuses.join(" or ")}.`,
    async evaluate(ctx) {
      if (ctx.cursor === undefined) {
        return {
          cursor: JSON.stringify({ at: ctx.now.toISOString(), id: "" } satisfies Cursor),
          skipReason: `watching runs that end from ${ctx.now.toISOString()} on`,
        };
      }
      const cursor: Cursor = JSON.parse(ctx.cursor);
      const runs = await ctx.store.automation.runsEndedAfter(
        { at: new Date(cursor.at), id: cursor.id },
        statuses,
        BATCH,
      );
      if (runs.length === 0) return { skipReason: "no run failed since the last evaluation" };
      const last = runs.at(-1)!;
      return {
        cursor: JSON.stringify({ at: last.finishedAt.toISOString(), id: last.id }),
        alerts: await Promise.all(runs.map((run) => alertOf(ctx, run))),
        skipReason: `${runs.length} alert${runs.length === 1 ? "" : "s"} raised`,
      };
    },
  });
}

async function alertOf(ctx: SensorContext, run: EndedRun) {
  const failedSteps = (await ctx.store.runs.listSteps(run.id))
    .filter((step) => step.status === "failed")
    .slice(0, 5)
    .map((step) => ({ asset: step.assetKey, partition: step.partition, reason: step.reason }));
  const first = failedSteps[0];
  const why = first !== undefined
    ? `${first.asset}${first.partition === "" ? "" : `@${first.partition}`}: ${first.reason}`
    : String(run.summary.error ?? run.summary.reason ?? "see its log");
  return {
    key: `run-failed:${run.id}`,
    message:
      `Run ${run.id} ${run.status} (${run.command} ${run.selection}, ${run.partitions}): ${why}`,
    payload: {
      run_id: run.id,
      status: run.status,
      command: run.command,
      selection: run.selection,
      partitions: run.partitions,
      finished_at: run.finishedAt.toISOString(),
      failed_steps: failedSteps,
      summary: run.summary,
    },
  };
}
