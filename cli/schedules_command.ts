// `sluice schedules`: each schedule with its state, cron and time zone, next and last tick;
// `schedules on NAME` / `schedules off NAME` turn one on (from now: nothing earlier is
// back-filled) or off. `--json` prints the shapes the UI serves.
import { parseArgs } from "node:util";
import type { AutomationLoader } from "../runtime/automation/automation_set.ts";
import { scheduleView } from "../runtime/automation/automation_views.ts";
import { loadAutomation } from "../schedules/definitions.ts";
import { toggleAutomation } from "./automation_toggle.ts";
import { type Command, instanceCommand } from "./command.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";
import { renderTable } from "./table.ts";
import { clip, formatWhen } from "./time_text.ts";

export const SCHEDULES_USAGE = `Usage: sluice schedules [--json]
       sluice schedules on NAME | off NAME

Lists the schedules of schedules/: state, cron and time zone, next tick, last tick (what it
requested, or why it was skipped). 'on' and 'off' turn one on or off for every daemon; a schedule
turned on runs from that moment, never back-filling earlier ticks.`;

export function schedulesCommandFor(load: AutomationLoader): Command {
  return instanceCommand({
    name: "schedules",
    summary: "list schedules (next and last tick); turn one on or off",
    usage: SCHEDULES_USAGE,
    run: (instance, args) => runSchedules(instance, args, load),
  });
}

export const schedulesCommand: Command = schedulesCommandFor(loadAutomation);

async function runSchedules(
  instance: Instance,
  args: string[],
  load: AutomationLoader,
): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: "boolean", default: false } },
  });
  const schedules = (await load()).schedules ?? [];
  const store = instance.store;
  const now = instance.clock.now();
  if (positionals.length > 0) {
    const { name, on } = await toggleAutomation(
      instance,
      "schedule",
      positionals,
      schedules.map((s) => s.name),
    );
    console.log(
      on
        ? `Schedule ${name} is on: its ticks from ${now.toISOString()} on run; earlier ones are not back-filled.`
        : `Schedule ${name} is off.`,
    );
    return EXIT.ok;
  }
  const states = await store.automation.states("schedule");
  const views = await Promise.all(schedules.map(async (schedule) => {
    const [last] = await store.automation.listTicks(schedule.name, 1);
    return scheduleView(schedule, states.get(schedule.name), last, now);
  }));
  if (values.json) {
    console.log(JSON.stringify({ schedules: views }, null, 2));
    return EXIT.ok;
  }
  if (views.length === 0) {
    console.log("No schedules: define them in schedules/ (defineSchedule).");
    return EXIT.ok;
  }
  console.log(renderTable(
    ["NAME", "STATE", "CRON", "RUNS", "NEXT TICK", "LAST TICK"],
    views.map((v) => [
      v.name,
      v.state,
      `${v.cron} (${v.timezone})`,
      v.kind === "vacuum" ? "vacuum" : clip(v.selection, 30),
      formatWhen(v.next_tick, now),
      v.last_tick === null
        ? "-"
        : `${formatWhen(v.last_tick.at, now)} ${v.last_tick.status}${
          v.last_tick.request_ids.length > 0
            ? ` → request ${v.last_tick.request_ids.join(", ")}`
            : ""
        }${v.last_tick.reason ? `: ${clip(v.last_tick.reason, 60)}` : ""}`,
    ]),
  ));
  return EXIT.ok;
}
