// The command-line entry: reads the configuration, opens an instance, dispatches to a command,
// and turns typed errors into one clear line and an exit code (2 for bad input).
import { type Config, loadConfig } from "../../resources/config.ts";
import type { DefinitionsLoader } from "../definitions.ts";
import { ConfigError, DefinitionError, RequestError, SluiceError } from "../errors.ts";
import { ASSETS_USAGE, assetsCommand } from "./assets_command.ts";
import { openInstance } from "./instance.ts";
import { MATERIALIZE_USAGE, materializeCommand } from "./materialize_command.ts";
import { VACUUM_USAGE, vacuumCommand } from "./vacuum_command.ts";

const COMMANDS = {
  materialize: { run: materializeCommand, usage: MATERIALIZE_USAGE },
  assets: { run: assetsCommand, usage: ASSETS_USAGE },
  vacuum: { run: vacuumCommand, usage: VACUUM_USAGE },
} as const;

const USAGE = `Usage: sluice <command> [options]

Commands:
  materialize   plan and materialize the selected assets that are stale
  assets        list assets with their status and the reasons
  vacuum        remove unreferenced lake files and trim old metadata

Run 'sluice <command> --help' for a command's options.`;

/** Runs a command and returns the process exit code. */
export async function main(load: DefinitionsLoader, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name as keyof typeof COMMANDS];
  if (!command) {
    console.error(
      `error: unknown command '${name}': expected one of ${Object.keys(COMMANDS).join(", ")}`,
    );
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (error) {
    return report(error);
  }
  try {
    const instance = await openInstance(await load(), config);
    try {
      return await command.run(instance, rest);
    } finally {
      await instance.close();
    }
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (
    error instanceof ConfigError || error instanceof DefinitionError ||
    error instanceof RequestError
  ) {
    console.error(`error: ${error.message}`);
    return 2;
  }
  if (error instanceof SluiceError) {
    console.error(`error: ${error.message}`);
    return 1;
  }
  // node:util parseArgs throws TypeErrors with a code for unknown or malformed flags.
  if (
    error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")
  ) {
    console.error(`error: ${error.message}`);
    return 2;
  }
  throw error;
}
