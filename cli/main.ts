// The one command-line entry: picks the subcommand, builds its context from the configuration
// (the composition root), runs it, and turns whatever it throws into one line and an exit code.
import { type Config, loadConfig } from "../resources/config.ts";
import type { DefinitionsLoader } from "../runtime/definitions/definitions.ts";
import { assetsCommand } from "./assets_command.ts";
import type { Command, CommandContext } from "./command.ts";
import { daemonCommand } from "./daemon_command.ts";
import { EXIT, type ExitCode, reportError } from "./exit_codes.ts";
import { generateCommand } from "./generate_command.ts";
import { ingestCommand } from "./ingest_command.ts";
import { commandClock, openInstance } from "./instance.ts";
import { materializeCommand } from "./materialize_command.ts";
import { modelsCommand } from "./models_command.ts";
import { runsCommand } from "./runs_command.ts";
import { schedulesCommand } from "./schedules_command.ts";
import { sensorsCommand } from "./sensors_command.ts";
import { serveCommand } from "./serve_command.ts";
import { uiCommand } from "./ui_command.ts";
import { vacuumCommand } from "./vacuum_command.ts";

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  materializeCommand,
  assetsCommand,
  vacuumCommand,
  ingestCommand,
  generateCommand,
  uiCommand,
  serveCommand,
  daemonCommand,
  runsCommand,
  schedulesCommand,
  sensorsCommand,
  modelsCommand,
];

export function usage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 3;
  return `Usage: sluice <command> [options]   (or: deno task <command> [options])

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n")}

Run 'sluice <command> --help' for a command's options.
Exit codes: 0 ok, 1 failed work, 2 bad input or configuration, 130 cancelled.`;
}

/** Runs a command and returns the process exit code. */
export async function main(
  loadDefinitions: DefinitionsLoader,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = Deno.env.toObject(),
  commands: readonly Command[] = COMMANDS,
): Promise<ExitCode> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage(commands));
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(
      `error: unknown command '${name}': expected one of ${commands.map((c) => c.name).join(", ")}`,
    );
    return EXIT.badInput;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return EXIT.ok;
  }
  try {
    // Every command checks the whole configuration first: a bad variable stops it with one
    // line naming the variable, whatever the command would have used.
    const config = loadConfig(env);
    return await command.run(commandContext(loadDefinitions, env, config), rest);
  } catch (error) {
    return reportError(error);
  }
}

function commandContext(
  loadDefinitions: DefinitionsLoader,
  env: Readonly<Record<string, string | undefined>>,
  config: Config,
): CommandContext {
  const clock = commandClock(config);
  return {
    env,
    loadDefinitions,
    config: () => config,
    clock,
    openInstance: async () => openInstance(await loadDefinitions(), config, { clock }),
  };
}
