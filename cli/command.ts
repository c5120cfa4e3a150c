// What a subcommand is: a name, a line for `--help`, its usage, and a run function that gets
// the composition root's context and returns an exit code (errors are thrown, not printed).
import type { Config } from "../resources/config.ts";
import type { Clock } from "../runtime/clock.ts";
import type { DefinitionsLoader } from "../runtime/definitions/definitions.ts";
import type { ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";

export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The configuration, checked with zod before any command runs. */
  config(): Config;
  /** The command's one clock (SLUICE_NOW or the system's); the instance gets the same one. */
  readonly clock: Clock;
  /** Opens the asset graph, metadata store, lake and resources; the caller closes it. */
  openInstance(): Promise<Instance>;
  readonly loadDefinitions: DefinitionsLoader;
}

export interface Command {
  readonly name: string;
  /** One line for `sluice --help`. */
  readonly summary: string;
  readonly usage: string;
  run(context: CommandContext, args: string[]): Promise<ExitCode>;
}

/** A command that works on an opened instance, closed when it returns. */
export function instanceCommand(
  spec: Omit<Command, "run"> & {
    run(instance: Instance, args: string[]): Promise<ExitCode>;
  },
): Command {
  return {
    ...spec,
    async run(context, args) {
      const instance = await context.openInstance();
      try {
        return await spec.run(instance, args);
      } finally {
        await instance.close();
      }
    },
  };
}
