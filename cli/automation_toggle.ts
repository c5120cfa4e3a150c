// `schedules on|off NAME` and `sensors on|off NAME`: reads the words, checks the name against the
// defined ones and records the new state for every daemon.
import { RequestError } from "../runtime/errors.ts";
import type { AutomationKind } from "../runtime/store/automation_store.ts";
import type { Instance } from "./instance.ts";

export interface Toggled {
  readonly name: string;
  readonly on: boolean;
}

/**
 * Turns the schedule or sensor named in `positionals` (`on NAME` or `off NAME`) on or off;
 * throws a RequestError naming what was expected when the words or the name are wrong.
 */
export async function toggleAutomation(
  instance: Instance,
  kind: AutomationKind,
  positionals: readonly string[],
  definedNames: readonly string[],
): Promise<Toggled> {
  const command = `${kind}s`;
  const [action, name, ...rest] = positionals;
  if ((action !== "on" && action !== "off") || name === undefined || rest.length > 0) {
    throw new RequestError(
      `Cannot read '${command} ${
        positionals.join(" ")
      }': expected '${command} on NAME' or '${command} off NAME'`,
    );
  }
  if (!definedNames.includes(name)) {
    throw new RequestError(`No ${kind} '${name}': expected one of ${definedNames.join(", ")}`);
  }
  await instance.store.automation.setEnabled(kind, name, action === "on", instance.clock.now());
  return { name, on: action === "on" };
}
