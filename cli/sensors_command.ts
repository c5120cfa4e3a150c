// `sluice sensors`: each sensor (and the assets' automation conditions, which run like one) with
// its state, last evaluation, what it asked for or why it skipped, and its cursor;
// `sensors on NAME` / `sensors off NAME`. `--json` prints the shapes the UI serves.
import { parseArgs } from "node:util";
import { type AutomationLoader, resolveAutomation } from "../runtime/automation/automation_set.ts";
import { conditionsSensor, sensorView } from "../runtime/automation/automation_views.ts";
import { loadAutomation } from "../schedules/definitions.ts";
import { toggleAutomation } from "./automation_toggle.ts";
import { type Command, instanceCommand } from "./command.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";
import { renderTable } from "./table.ts";
import { clip, formatWhen } from "./time_text.ts";

export const SENSORS_USAGE = `Usage: sluice sensors [--json]
       sluice sensors on NAME | off NAME

Lists the sensors of schedules/ and the assets' automation conditions (as
'automation_conditions'): state, interval, last evaluation, how many runs it asked for or why it
skipped, the last error, and the cursor. 'on' and 'off' apply to every daemon.`;

export function sensorsCommandFor(load: AutomationLoader): Command {
  return instanceCommand({
    name: "sensors",
    summary: "list sensors (cursor, last evaluation, skip reason); turn one on or off",
    usage: SENSORS_USAGE,
    run: (instance, args) => runSensors(instance, args, load),
  });
}

export const sensorsCommand: Command = sensorsCommandFor(loadAutomation);

async function runSensors(
  instance: Instance,
  args: string[],
  load: AutomationLoader,
): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: "boolean", default: false } },
  });
  const automation = resolveAutomation(instance.graph, await load());
  const sensors = [
    ...automation.sensors,
    ...(automation.conditions.size > 0
      ? [conditionsSensor(automation.conditions.size, instance.config.daemon.automationIntervalMs)]
      : []),
  ];
  const store = instance.store;
  const now = instance.clock.now();
  if (positionals.length > 0) {
    const { name, on } = await toggleAutomation(
      instance,
      "sensor",
      positionals,
      sensors.map((s) => s.name),
    );
    console.log(`Sensor ${name} is ${on ? "on" : "off"}.`);
    return EXIT.ok;
  }
  const states = await store.automation.states("sensor");
  const views = sensors.map((sensor) => sensorView(sensor, states.get(sensor.name)));
  if (values.json) {
    console.log(JSON.stringify({ sensors: views }, null, 2));
    return EXIT.ok;
  }
  if (views.length === 0) {
    console.log("No sensors: define them in schedules/ (defineSensor).");
    return EXIT.ok;
  }
  console.log(renderTable(
    ["NAME", "STATE", "EVERY", "LAST EVALUATION", "RUNS", "SKIP REASON / ERROR", "CURSOR"],
    views.map((v) => [
      v.name,
      v.state,
      `${v.minimum_interval_seconds} s`,
      formatWhen(v.last_evaluation, now),
      v.last_requests === null ? "-" : String(v.last_requests),
      v.last_error ? `error: ${clip(v.last_error, 70)}` : clip(v.skip_reason, 70),
      clip(v.cursor, 40),
    ]),
  ));
  return EXIT.ok;
}
