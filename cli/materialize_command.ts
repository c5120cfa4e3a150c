// `sluice materialize`: select assets and partitions, plan what is stale, run it, print the run
// table. `--dry-run` prints the plan with the reason for each step.
import { parseArgs } from "node:util";
import { RequestError } from "../runtime/errors.ts";
import type { RunResult } from "../runtime/execution/executor.ts";
import { materialize, type MaterializeOutcome } from "../runtime/execution/materialize.ts";
import { displayPartition } from "../runtime/partitions/partition_key.ts";
import type { Plan, WaitingStep } from "../runtime/execution/plan.ts";
import { describeCause } from "../runtime/staleness/status.ts";
import { describePartitionSpans } from "../runtime/staleness/status_runs.ts";
import { type Command, instanceCommand } from "./command.ts";
import type { ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";
import { formatDuration, renderTable } from "./table.ts";

export const MATERIALIZE_USAGE = `Usage: sluice materialize [SELECTION...] [options]

Materializes the selected asset partitions that are stale or were never materialized.

Selection: key, +key (with upstreams), key+ (with downstreams), group:NAME, tag:NAME, globs
like bronze.*, joined with commas. Default: every asset.

Options:
  --partition P      one partition (2026-11-01) or a range (2026-11-01..2026-11-07)
  --exclude SEL      leave out these assets
  --force            materialize even fresh partitions
  --full-refresh     rebuild incremental assets from scratch (implies --force)
  --dry-run          print the plan and why each step is in it; change nothing
  --concurrency N    parallel materializations (default: SLUICE_CONCURRENCY or the cores)`;

async function runMaterialize(instance: Instance, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      partition: { type: "string" },
      exclude: { type: "string" },
      force: { type: "boolean", default: false },
      "full-refresh": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      concurrency: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(MATERIALIZE_USAGE);
    return 0;
  }
  const concurrency = values.concurrency === undefined
    ? instance.config.concurrency
    : parseConcurrency(values.concurrency);
  // A dry run changes nothing, so it does not prepare inputs either.
  if (!values["dry-run"]) {
    await instance.definitions.beforeMaterialize?.({
      home: instance.config.home,
      env: Deno.env.toObject(),
      database: instance.database,
      lake: instance.lake,
      resources: instance.resources,
      log: instance.log,
      clock: instance.clock,
      say: (line) => console.log(line),
    });
  }
  const cancel = new AbortController();
  const onSignal = () => {
    if (cancel.signal.aborted) Deno.exit(130);
    instance.log.warn(
      "cancelling: waiting for running steps to stop (Ctrl-C again to exit at once)",
    );
    cancel.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  let outcome: MaterializeOutcome;
  try {
    outcome = await materialize({
      graph: instance.graph,
      store: instance.store,
      lake: instance.lake,
      resources: instance.resources,
      log: instance.log,
      logSinks: [instance.logSink],
      clock: instance.clock,
      selection: positionals.join(","),
      exclude: values.exclude,
      partitions: values.partition,
      force: values.force,
      fullRefresh: values["full-refresh"],
      dryRun: values["dry-run"],
      concurrency,
      leaseTtlMs: instance.config.leaseTtlMs,
      lockWaitMs: instance.config.lockWaitMs,
      signal: cancel.signal,
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  const { plan, run: result } = outcome;
  if (values["dry-run"]) {
    printPlan(plan);
    return 0;
  }
  if (result === undefined) {
    const waiting = plan.waiting.length === 0
      ? ""
      : `; ${count(plan.waiting.length, "partition")} waiting for data`;
    console.log(
      `Everything selected is fresh (${count(plan.fresh, "partition")}${waiting}); nothing to do.`,
    );
    printBlocked(plan);
    printNextSteps(instance);
    return 0;
  }
  printRun(result);
  printBlocked(plan);
  if (result.status === "succeeded") {
    printNextSteps(instance);
    return 0;
  }
  return result.status === "cancelled" ? 130 : 1;
}

function printNextSteps(instance: Instance): void {
  const steps = [
    "`deno task assets` shows every asset's status and why.",
    ...instance.definitions.nextSteps ?? [],
  ];
  console.log(`\nNext:\n${steps.map((step) => `  ${step}`).join("\n")}`);
}

function printPlan(plan: Plan): void {
  if (plan.steps.length === 0) {
    console.log(
      `Nothing to do: ${count(plan.fresh, "selected partition")} ${
        plan.fresh === 1 ? "is" : "are"
      } fresh.`,
    );
  } else {
    console.log(
      renderTable(
        ["STEP", "ASSET", "PARTITION", "WHY"],
        plan.steps.map((step, i) => [
          String(i + 1),
          step.key,
          displayPartition(step.partition),
          (step.conditional ? "if changed: " : "") + step.reasons.join("; "),
        ]),
      ),
    );
    console.log(
      `\n${plan.steps.length} steps; ${plan.fresh} fresh partitions left as they are (dry run).`,
    );
  }
  printBlocked(plan);
}

function printBlocked(plan: Plan): void {
  if (plan.waiting.length > 0) console.log(describeWaiting(plan.waiting));
  for (const blocked of plan.blocked.slice(0, 10)) {
    console.log(`blocked: ${blocked.id}: ${blocked.reason}`);
  }
  if (plan.blocked.length > 10) console.log(`blocked: … and ${plan.blocked.length - 10} more`);
}

function printRun(result: RunResult): void {
  console.log(
    "\n" + renderTable(
      ["ASSET", "PARTITION", "STATUS", "ROWS", "DURATION", "REASON"],
      result.steps.map((s) => [
        s.assetKey,
        displayPartition(s.partition),
        s.status,
        s.rows === undefined ? "" : String(s.rows),
        formatDuration(s.durationMs),
        s.reason,
      ]),
    ),
  );
  const counts = new Map<string, number>();
  for (const s of result.steps) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(", ");
  console.log(`\nRun ${result.runId} ${result.status}: ${summary}.`);
}

/**
 * One line on what waits for data, in the words `assets` uses: "waiting for data: 8,684
 * partitions of 26 assets (2026-01-01..2026-11-29, 2026-12-01), newest: bronze.orders@2026-12-01
 * (no data in landing.orders)".
 */
function describeWaiting(waiting: readonly WaitingStep[]): string {
  const assets = new Set(waiting.map((w) => w.key)).size;
  const newest = waiting.reduce((a, b) => (b.partition > a.partition ? b : a));
  return `waiting for data: ${count(waiting.length, "partition")} of ${count(assets, "asset")} (${
    describePartitionSpans(waiting.map((w) => w.partition))
  }), newest: ${newest.id} (${describeCause(newest.cause)}); \`deno task assets KEY\` lists them`;
}

/** "1 partition", "8,684 partitions". */
function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new RequestError(`Cannot use --concurrency ${value}: expected a positive whole number`);
  }
  return n;
}

export const materializeCommand: Command = instanceCommand({
  name: "materialize",
  summary: "plan and materialize the selected assets that are stale",
  usage: MATERIALIZE_USAGE,
  run: runMaterialize,
});
