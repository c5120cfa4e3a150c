// The one table of exit codes every command ends with, and the one place that turns a thrown
// error into its line on stderr and its code.
import { ConfigError, DefinitionError, RequestError, SluiceError } from "../runtime/errors.ts";

export const EXIT = {
  /** The work was done (or there was none to do). */
  ok: 0,
  /** Some work failed: a step, an ingest batch, a run. */
  failed: 1,
  /** Bad input: a flag, a selection, a definition, the configuration. */
  badInput: 2,
  /** Cancelled by the user (Ctrl-C) or a signal. */
  cancelled: 130,
} as const;

export type ExitCode = typeof EXIT[keyof typeof EXIT];

/** The exit code of an error a command threw; unexpected errors are rethrown (a bug). */
export function exitCodeOf(error: unknown): ExitCode {
  if (
    error instanceof ConfigError || error instanceof DefinitionError ||
    error instanceof RequestError || isParseArgsError(error)
  ) {
    return EXIT.badInput;
  }
  if (error instanceof SluiceError) return EXIT.failed;
  throw error;
}

/** Prints the error as one line and returns its exit code. */
export function reportError(error: unknown): ExitCode {
  const code = exitCodeOf(error);
  console.error(`error: ${(error as Error).message.split("\n")[0]}`);
  return code;
}

// node:util parseArgs throws TypeErrors with a code for unknown or malformed flags.
function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && "code" in error &&
    String(error.code).startsWith("ERR_PARSE_ARGS");
}
