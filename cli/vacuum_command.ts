// `sluice vacuum`: trims metadata past the retention window and removes lake files nothing
// references, printing what it did (or, with --dry-run, what it would do).
import { parseArgs } from "node:util";
import { RequestError } from "../runtime/errors.ts";
import { trimAutomation } from "../runtime/automation/automation_trim.ts";
import { reapDeadRuns } from "../runtime/execution/dead_runs.ts";
import { retentionCutoff, vacuum } from "../runtime/execution/vacuum.ts";
import { type Command, instanceCommand } from "./command.ts";
import type { ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";

export const VACUUM_USAGE = `Usage: sluice vacuum [--retain-days N] [--grace-minutes M] [--dry-run]

Removes lake files that no current pointer and no materialization within the retention window
references (every part of a part set counts), and trims run logs, superseded materializations,
observations, check results and Kafka segment records older than the window. Files written in the
last M minutes are kept (a run may be writing them), and so is whatever was written since the
oldest run still holding a lease started. Stage tables that failed or killed mart builds left in
the warehouse are dropped.

Options:
  --retain-days N     keep superseded versions and logs this many days (default 7)
  --grace-minutes M   keep unreferenced files younger than this (default 60)
  --dry-run           report, change nothing`;

async function runVacuum(instance: Instance, args: string[]): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      "retain-days": { type: "string", default: "7" },
      "grace-minutes": { type: "string", default: "60" },
      "dry-run": { type: "boolean", default: false },
    },
  });
  const retainDays = wholeNumber("--retain-days", values["retain-days"]!);
  const graceMinutes = wholeNumber("--grace-minutes", values["grace-minutes"]!);
  const options = {
    retainDays,
    graceMinutes,
    dryRun: values["dry-run"]!,
    now: instance.clock.now(),
  };
  if (!options.dryRun) {
    // A killed run's leases and work in progress stop protecting its files once it is abandoned.
    await reapDeadRuns(instance.store, { at: options.now, noticedBy: "vacuum", log: instance.log });
  }
  const report = await vacuum(instance.store.maintenance, instance.lake, options);
  const activeRuns = new Set((await instance.store.runs.listRunning()).map((r) => r.run.id));
  const appTrimmed = await instance.definitions.trim?.(
    instance.database,
    retentionCutoff(options),
    options.dryRun,
    activeRuns,
  );
  const verb = values["dry-run"] ? "would remove" : "removed";
  console.log(
    `${report.locations} lake locations: ${report.referenced} referenced, ${report.young} too ` +
      `young to judge, ${verb} ${report.removed.length}`,
  );
  for (const uri of report.removed) console.log(`  ${uri}`);
  const automationTrimmed = await trimAutomation(
    instance.store,
    retentionCutoff(options),
    options.dryRun,
  );
  const trimmed = Object.entries({ ...report.trimmed, ...appTrimmed, ...automationTrimmed })
    .map(([table, n]) => `${n} ${table}`).join(", ");
  console.log(
    `metadata older than ${retainDays} days: ${
      values["dry-run"] ? "would trim" : "trimmed"
    } ${trimmed}`,
  );
  return 0;
}

function wholeNumber(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new RequestError(`Cannot use ${flag} ${JSON.stringify(text)}: expected a whole number`);
  }
  return Number(text);
}

export const vacuumCommand: Command = instanceCommand({
  name: "vacuum",
  summary: "remove unreferenced lake files and trim old metadata",
  usage: VACUUM_USAGE,
  run: runVacuum,
});
